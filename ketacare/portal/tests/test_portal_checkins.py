import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.tests.sending import send_queued
from ketacare.checkins import services as checkin_services
from ketacare.measures import services
from ketacare.measures.models import Response


@pytest.fixture
def open_checkin(patient):
    c = checkin_services.checkin_create(
        patient=patient, instruments_=["gad7"], context="post_24h", due_at=timezone.now()
    )
    checkin_services.checkin_send(c, now=timezone.now())
    return c


def test_home_shows_the_next_step(patient_client, open_checkin):
    page = patient_client.get(reverse("portal:home"))
    assert b"Start my check-in" in page.content
    assert reverse("portal:checkin", args=[open_checkin.pk]).encode() in page.content


def test_a_patient_answers_a_check_in_in_the_portal(patient_client, patient_user, open_checkin):
    url = reverse("portal:checkin", args=[open_checkin.pk])
    assert patient_client.get(url).status_code == 200
    save = reverse("portal:checkin_save", args=[open_checkin.pk])
    for i in range(1, 8):
        assert patient_client.post(save, {"name": f"gad7.{i}", f"gad7.{i}": "1"}).status_code == 200
    done = patient_client.post(url)
    assert b"Thank you" in done.content
    stored = Response.objects.get()
    assert (stored.total, stored.source, stored.collected_by) == (7, "portal", patient_user)
    assert b"This check-in is done" in patient_client.get(url).content


def test_progress_explains_scores_in_plain_words(patient_client, patient):
    for days, value in ((20, 2), (1, 1)):
        services.response_record(
            patient=patient,
            instrument="gad7",
            answers={str(i): value for i in range(1, 8)},
            context="weekly",
            source="link",
            collected_at=timezone.now() - dt.timedelta(days=days),
        )
    page = patient_client.get(reverse("portal:progress")).content.decode()
    assert "was 7 out of 21, which is in the mild range" in page
    assert "7 points lower than your first score (14)" in page
    assert "a real improvement" in page


@pytest.mark.parametrize("slug", ["", "after-a-dose", "feeling-worse", "when-to-call"])
def test_learn_pages_are_there_and_include_crisis_help(patient_client, slug):
    url = reverse("portal:learn_page", args=[slug]) if slug else reverse("portal:learn")
    page = patient_client.get(url)
    assert page.status_code == 200
    assert b"emergency" in page.content


def test_an_unknown_learn_page_is_a_404(patient_client):
    assert patient_client.get(reverse("portal:learn_page", args=["nope"])).status_code == 404


def test_an_emailed_link_signs_a_patient_in_once(patient_user):
    c = Client()
    c.post(reverse("portal:magic_request"), {"email": patient_user.email.upper()})
    send_queued()
    link = re.search(r"http://\S+", mail.outbox[-1].body).group(0)
    path = link.split("8000", 1)[1]
    assert b"Sign in to your portal" in c.get(path).content
    assert c.post(path).status_code == 302
    assert c.get(reverse("portal:home")).status_code == 200
    assert Client().get(path).status_code == 410  # used: last_login changed


def test_no_link_is_sent_to_unknown_or_staff_addresses(alice, db):
    for email in ("nobody@x.test", alice.user.email):
        response = Client().post(reverse("portal:magic_request"), {"email": email})
        assert b"Check your email" in response.content
    assert send_queued()["sent"] == 0 and mail.outbox == []


def test_a_forged_link_is_refused(db):
    assert Client().get(reverse("portal:magic_login", args=["abc:def"])).status_code == 410


def test_the_portal_form_works_without_javascript(patient_client, open_checkin):
    url = reverse("portal:checkin", args=[open_checkin.pk])
    data = {f"gad7.{i}": "2" for i in range(1, 8)}
    assert b"Thank you" in patient_client.post(url, data).content
    assert Response.objects.get().total == 14
