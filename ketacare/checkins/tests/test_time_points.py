"""A check-in is about a time point ("24 h after a dose"): a new link may renew it only
while answers still describe that time; afterwards the missed one stays missed and a
fresh ad-hoc check-in goes out instead, filed under the time it is answered."""

import datetime as dt
import re
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketacare.checkins import services, worker
from ketacare.checkins.models import CheckIn
from ketacare.checkins.tests.conftest import deliver, fill
from ketacare.measures.models import Context, Response
from ketacare.outbox.models import Message


def _sent_checkin(patient, *, due_ago: dt.timedelta, context=Context.POST_24H):
    due = timezone.now() - due_ago
    checkin = services.checkin_create(
        patient=patient, instruments_=["gad7"], context=context, due_at=due, now=due
    )
    worker.send_due(now=due + dt.timedelta(minutes=1))
    deliver(now=due + dt.timedelta(minutes=1))
    token = re.search(r"/c/([\w-]+)/", mail.outbox[-1].body).group(1)
    checkin.refresh_from_db()
    return checkin, token


def _link(token, name="measures:link"):
    return reverse(name, args=[token])


def test_a_new_link_on_a_check_in_missed_a_month_ago_does_not_reopen_it(client, patient):
    checkin, token = _sent_checkin(patient, due_ago=dt.timedelta(days=31))
    services.checkins_expire(now=timezone.now())
    checkin.refresh_from_db()
    expires, missed_at = checkin.expires_at, checkin.missed_at
    assert checkin.status == "missed"

    page = client.get(_link(token))
    assert page.status_code == 410 and b"time for this check-in has passed" in page.content
    answer = client.post(_link(token, "measures:link_renew"))
    assert b"new check-in is on its way" in answer.content

    checkin.refresh_from_db()
    assert (checkin.status, checkin.expires_at, checkin.missed_at) == ("missed", expires, missed_at)
    instead = CheckIn.objects.exclude(pk=checkin.pk).get()
    assert instead.context == Context.AD_HOC and instead.instruments == ["gad7"]
    deliver()
    new_token = re.search(r"/c/([\w-]+)/", mail.outbox[-1].body).group(1)
    assert client.get(_link(token)).status_code == 410  # the old link still opens nothing
    fill(instead, "gad7", 1)
    assert client.post(_link(new_token), {}).status_code == 200
    (response,) = Response.objects.all()
    assert response.checkin_id == instead.pk and response.context == Context.AD_HOC
    assert abs(response.collected_at - timezone.now()) < dt.timedelta(minutes=1)
    assert not checkin.responses.exists()


def test_asking_again_later_resends_the_same_stand_in_check_in(client, patient):
    checkin, token = _sent_checkin(patient, due_ago=dt.timedelta(days=31))
    services.checkins_expire(now=timezone.now())
    client.post(_link(token, "measures:link_renew"))
    CheckIn.objects.filter(pk=checkin.pk).update(
        renew_requested_at=timezone.now() - dt.timedelta(minutes=11)
    )
    instead = CheckIn.objects.exclude(pk=checkin.pk).get()
    instead.links.update(created_at=timezone.now() - dt.timedelta(minutes=11))
    client.post(_link(token, "measures:link_renew"))
    assert CheckIn.objects.count() == 2  # no pile of ad-hoc check-ins
    assert instead.links.count() == 2


def test_within_its_time_point_the_check_in_is_renewed_but_never_past_it(client, patient):
    checkin, token = _sent_checkin(patient, due_ago=dt.timedelta(hours=70))
    checkin.links.update(created_at=timezone.now() - dt.timedelta(hours=70))
    CheckIn.objects.filter(pk=checkin.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert b"Send me a new link" in client.get(_link(token)).content
    client.post(_link(token, "measures:link_renew"))
    checkin.refresh_from_db()
    assert checkin.status == "sent" and checkin.context == Context.POST_24H
    # window 72 h + grace 12 h after it was due, not a fresh 72 h from now
    assert checkin.expires_at == checkin.due_at + dt.timedelta(hours=72 + 12)
    assert CheckIn.objects.count() == 1


def test_the_grace_is_a_clinic_setting(client, patient):
    clinic = patient.clinic
    clinic.clinical_settings = {**clinic.clinical_settings, "checkin_renew_grace_hours": 0}
    clinic.save()
    checkin, token = _sent_checkin(patient, due_ago=dt.timedelta(hours=73))
    CheckIn.objects.filter(pk=checkin.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    checkin.links.update(created_at=timezone.now() - dt.timedelta(hours=73))
    assert b"time for this check-in has passed" in client.get(_link(token)).content
    client.post(_link(token, "measures:link_renew"))
    assert CheckIn.objects.filter(context=Context.AD_HOC).count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_for_a_new_link_send_one(patient):
    checkin, token = _sent_checkin(patient, due_ago=dt.timedelta(hours=70))
    checkin.links.update(created_at=timezone.now() - dt.timedelta(hours=70))
    before = Message.objects.count()
    start = threading.Barrier(4)
    codes = []

    def ask():
        try:
            start.wait()
            codes.append(Client().post(_link(token, "measures:link_renew")).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 4
    assert Message.objects.count() - before == 1
