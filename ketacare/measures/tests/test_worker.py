import datetime as dt
import threading

import pytest
from django.core import mail
from django.utils import timezone

from ketacare.measures import services, sms, worker
from ketacare.measures.models import CheckIn, CheckInEvent, Context
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


def test_a_claimed_check_in_cannot_be_claimed_again(patient):
    (checkin,) = _due(patient)
    now = timezone.now()
    assert worker.claim(checkin.pk, worker="a", now=now) is True
    assert worker.claim(checkin.pk, worker="b", now=now) is False


def test_send_due_sends_each_check_in_once_by_the_patients_channel(patient, alice, clinic):
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
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    assert "/c/" in sms.outbox[0].body and sms.outbox[0].to == "+13125550142"
    assert CheckIn.objects.filter(status="sent").count() == 2
    assert CheckInEvent.objects.filter(event="sent").count() == 2


def test_a_failed_send_is_released_for_the_next_round(patient, monkeypatch):
    (checkin,) = _due(patient)

    def boom(*a, **k):
        raise OSError("mail server down")

    monkeypatch.setattr(services, "send_mail", boom)
    assert worker.send_due(now=timezone.now(), worker="a") == 0
    checkin.refresh_from_db()
    assert checkin.status == "scheduled" and checkin.claimed_at is None
    assert CheckInEvent.objects.filter(event="send_failed", checkin=checkin).exists()


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
    assert worker.remind_due(now=now + dt.timedelta(hours=1)) == 0
    assert worker.remind_due(now=now + dt.timedelta(hours=25)) == 1
    assert worker.remind_due(now=now + dt.timedelta(hours=26)) == 0
    assert mail.outbox[-1].subject.startswith("Reminder")


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
def test_two_workers_at_once_never_send_the_same_check_in_twice(patient):
    _due(patient, n=30)
    now = timezone.now()
    counts = {}

    def run(name):
        from django.db import connection as c

        try:
            counts[name] = worker.send_due(now=now, worker=name)
        finally:
            c.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in ("w1", "w2", "w3")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts.values()) == 30
    assert len(mail.outbox) == 30
    assert CheckInEvent.objects.filter(event="sent").count() == 30
