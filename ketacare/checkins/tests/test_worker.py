import datetime as dt
import threading

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ketacare.alerts import services as alerts_services
from ketacare.checkins import services, worker
from ketacare.checkins.models import CheckIn, CheckInEvent, hash_token
from ketacare.core.instruments.base import Flag, Severity
from ketacare.measures.models import Context
from ketacare.outbox import services as outbox_services
from ketacare.outbox import sms
from ketacare.outbox.models import Message
from ketacare.outbox.services import deliver_due
from ketacare.patients import services as patient_services


def _due(patient, n=1, **kw):
    return [
        services.checkin_create(
            patient=patient,
            instruments_=["gad7"],
            context=Context.WEEKLY,
            due_at=timezone.now() - dt.timedelta(minutes=5),
            **kw,
        )
        for _ in range(n)
    ]


def test_send_due_queues_each_check_in_once_and_the_outbox_sends_it_after_commit(
    patient, alice, clinic
):
    sms_patient = patient_services.patient_create(
        clinic=clinic,
        by=alice.user,
        given_name="Text",
        family_name="Me",
        phone="+13125550142",
        preferred_contact="sms",
        birth_date=dt.date(1980, 1, 1),
    )
    _due(patient)
    _due(sms_patient)
    later = _due(patient)[0]
    CheckIn.objects.filter(pk=later.pk).update(due_at=timezone.now() + dt.timedelta(days=1))
    now = timezone.now()
    assert worker.send_due(now=now, worker="a") == 2
    assert worker.send_due(now=now, worker="b") == 0  # nothing left to send
    assert mail.outbox == [] and sms.outbox == []  # queued, not sent, inside the step
    assert Message.objects.filter(status="pending").count() == 2
    assert deliver_due(now=now, worker="a") == {"sent": 2, "failed": 0}
    assert deliver_due(now=now, worker="b") == {"sent": 0, "failed": 0}
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    assert "/c/" in sms.outbox[0].body and sms.outbox[0].to == "+13125550142"
    assert CheckIn.objects.filter(status="sent").count() == 2
    assert CheckInEvent.objects.filter(event="sent").count() == 2


def test_a_failing_check_in_is_recorded_and_the_round_goes_on(patient, monkeypatch):
    first, second = _due(patient, n=2)
    real = services.checkin_send

    def broken_for_first(checkin, **kw):
        if checkin.pk == first.pk:
            raise RuntimeError("template missing")
        return real(checkin, **kw)

    monkeypatch.setattr(services, "checkin_send", broken_for_first)
    now = timezone.now()
    assert worker.send_due(now=now, worker="a") == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.status == "sent"
    assert first.status == "scheduled" and first.send_failures == 1  # rolled back, retried
    assert CheckInEvent.objects.filter(event="send_failed", checkin=first).exists()
    for _ in range(worker.MAX_PREPARE_FAILURES - 1):
        worker.send_due(now=now, worker="a")
    first.refresh_from_db()
    assert first.status == "undelivered" and "template missing" in first.send_problem


def test_smtp_down_in_every_step_nothing_marked_sent_retried_and_delivered_once(
    patient, alice, bob, settings
):
    """A real SMTP backend aimed at a port nobody listens on: every mail fails to connect."""
    from ketacare.patients import services as ps

    ps.care_team_add(patient=patient, staff_member=bob, role="nurse", by=alice.user)
    reminded = _due(patient)[0]
    worker.send_due(now=timezone.now(), worker="a")
    deliver_due(now=timezone.now(), worker="a")
    _due(patient)
    alerts_services.alerts_from_flags(
        patient=patient,
        flags=[Flag("x", Severity.URGENT, "m", "9")],
        response=None,
        now=timezone.now(),
        evidence={},
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", 9, False
    settings.EMAIL_TIMEOUT = 2
    sent_before = len(mail.outbox)
    later = timezone.now() + dt.timedelta(hours=25)
    done = worker.run_once(now=later, worker="a")  # schedule, send, remind, expire, deliver
    assert done["sent"] == 1 and done["reminded"] == 1 and done["delivered"] == 0
    assert Message.objects.filter(status="pending", attempts=1).count() == 3
    assert all("Error" in m.last_error for m in Message.objects.filter(status="pending"))
    assert not CheckInEvent.objects.filter(event__in=["reminded"]).exists()
    assert CheckInEvent.objects.filter(event="remind_failed", checkin=reminded).exists()
    assert worker.run_once(now=later, worker="a")["delivered"] == 0  # backing off: no retry yet
    # The mail server comes back: each message goes out once, on the next try.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retry = later + dt.timedelta(minutes=2)
    assert worker.run_once(now=retry, worker="a")["delivered"] == 3
    assert worker.run_once(now=retry + dt.timedelta(hours=1), worker="b")["delivered"] == 0
    assert len(mail.outbox) - sent_before == 3
    assert CheckInEvent.objects.filter(event="reminded", checkin=reminded).count() == 1


def test_a_message_that_never_goes_out_makes_the_check_in_could_not_send(
    patient, settings, alice_client
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", 9, False
    (checkin,) = _due(patient)
    now = timezone.now()
    worker.send_due(now=now, worker="a")
    for attempt in range(settings.OUTBOX_MAX_ATTEMPTS):
        assert deliver_due(now=now, worker="a")["failed"] == 1
        now += outbox_services.backoff(attempt + 1)
    assert deliver_due(now=now + dt.timedelta(days=1), worker="a")["failed"] == 0
    checkin.refresh_from_db()
    assert checkin.status == "undelivered" and "Connection" in checkin.send_problem
    page = alice_client.get(reverse("measures:worklist"))
    assert b"Could not send" in page.content and b"Connection" in page.content


def test_a_stale_scheduled_check_in_is_marked_missed_not_sent_late(patient):
    (checkin,) = _due(patient)
    late = timezone.now() + dt.timedelta(hours=80)
    assert worker.run_once(now=late, worker="a")["sent"] == 0
    checkin.refresh_from_db()
    assert checkin.status == "missed" and mail.outbox == []


def test_unanswered_check_ins_become_missed_after_their_window(patient):
    (checkin,) = _due(patient)
    worker.send_due(now=timezone.now(), worker="a")
    assert services.checkins_expire(now=timezone.now()) == 0
    assert services.checkins_expire(now=timezone.now() + dt.timedelta(hours=73)) == 1
    checkin.refresh_from_db()
    assert checkin.status == "missed" and checkin.missed_at is not None


def test_one_reminder_goes_out_after_a_day(patient):
    _due(patient)
    now = timezone.now()
    worker.send_due(now=now, worker="a")
    deliver_due(now=now, worker="a")
    assert worker.remind_due(now=now + dt.timedelta(hours=1)) == 0
    assert worker.remind_due(now=now + dt.timedelta(hours=25)) == 1
    assert worker.remind_due(now=now + dt.timedelta(hours=26)) == 0
    deliver_due(now=now + dt.timedelta(hours=26), worker="a")
    assert len(mail.outbox) == 2
    assert mail.outbox[-1].subject.startswith("Reminder")


def test_a_reminder_replaces_a_first_link_that_never_left(patient):
    (checkin,) = _due(patient)
    now = timezone.now()
    worker.send_due(now=now, worker="a")
    assert worker.remind_due(now=now + dt.timedelta(hours=25)) == 1
    deliver_due(now=now + dt.timedelta(hours=26), worker="a")
    # one message, carrying the only live link; the first one was cancelled, never sent
    assert len(mail.outbox) == 1
    assert Message.objects.filter(status="cancelled").count() == 1
    token = mail.outbox[0].body.split("/c/")[1].split("/")[0]
    live = checkin.links.get(revoked_at__isnull=True)
    assert live.token_hash == hash_token(token)


def test_calendar_check_ins_follow_the_phase_and_are_created_once(patient, alice):
    now = timezone.now()
    assert worker.schedule_calendar(now=now) == 0  # referred: not followed by calendar yet
    for phase in ("evaluation", "induction"):
        patient_services.patient_phase_change(
            patient=patient, to_phase=phase, reason="r", by=alice.user
        )
    assert worker.schedule_calendar(now=now) == 1
    assert worker.schedule_calendar(now=now) == 0
    assert worker.schedule_calendar(now=now + dt.timedelta(days=7)) == 1
    assert set(CheckIn.objects.values_list("context", flat=True)) == {"weekly"}


def test_a_dose_schedules_24h_and_7d_check_ins_once(patient):
    dosed = timezone.now()
    made = worker.schedule_after_dose(patient=patient, dosed_at=dosed)
    assert [(c.context, c.due_at - dosed) for c in made] == [
        ("post_24h", dt.timedelta(hours=24)),
        ("post_7d", dt.timedelta(days=7)),
    ]
    assert made[0].instruments == ["gad7", "side_effects"]
    assert worker.schedule_after_dose(patient=patient, dosed_at=dosed) == []


@pytest.mark.django_db(transaction=True)
def test_three_workers_at_once_send_each_message_once(patient):
    _due(patient, n=30)
    now = timezone.now()
    counts = {}

    def run(name):
        from django.db import connection as c

        try:
            counts[name] = worker.run_once(now=now, worker=name)
        finally:
            c.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in ("w1", "w2", "w3")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name in ("w1", "w2", "w3"):  # what a round left queued, the next one sends
        counts[name + "+"] = worker.run_once(now=now, worker=name)
    assert sum(c["sent"] for c in counts.values()) == 30
    assert sum(c["delivered"] for c in counts.values()) == 30
    assert len(mail.outbox) == 30
    assert len({m.body for m in mail.outbox}) == 30
    assert CheckInEvent.objects.filter(event="sent").count() == 30
