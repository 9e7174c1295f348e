"""Check-ins follow the patient: one open check-in per time point, nothing sent after
discharge or to someone we cannot reach, post-dose check-ins only while their window is open,
and a coordinator's list grouped by patient that starts with recent, active patients."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ketacare.audit.models import AccessEventPatient
from ketacare.checkins import services, worker
from ketacare.checkins.models import OPEN_STATUSES, CheckIn, CheckInLink
from ketacare.checkins.tests.conftest import deliver
from ketacare.outbox.models import Message
from ketacare.patients import services as patient_services
from ketacare.patients.models import Patient


def _move(patient, *phases, by):
    for phase in phases:
        patient_services.patient_phase_change(patient=patient, to_phase=phase, reason="test", by=by)


def _token_of(response_or_message: str) -> str:
    return response_or_message.split("/c/", 1)[1].split("/", 1)[0]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- re-send replaces the open check-in ------------------------------------------------


def test_sending_now_twice_leaves_one_open_check_in_and_the_first_link_stops_working(
    alice_client, patient, client
):
    alice_client.post(reverse("measures:send_now", args=[patient.pk]))
    first = Message.objects.get()
    first_token = _token_of(first.body)
    alice_client.post(reverse("measures:send_now", args=[patient.pk]))
    assert CheckIn.objects.filter(patient=patient, status__in=OPEN_STATUSES).count() == 1
    # The first message never left: it is cancelled, and its link no longer opens.
    first.refresh_from_db()
    assert first.status == "cancelled"
    assert Message.objects.filter(status="pending").count() == 1
    assert client.get(reverse("measures:link", args=[first_token])).status_code == 410
    deliver()
    assert len(mail.outbox) == 1
    # History is kept: the re-send is in the delivery record.
    checkin = CheckIn.objects.get(patient=patient)
    assert [e.event for e in checkin.events.all()].count("resent") == 1


def test_resending_two_missed_check_ins_sends_one_stand_in_asking_both(alice, patient):
    past = timezone.now() - dt.timedelta(days=10)
    missed = []
    for codes in (["gad7"], ["phq9"]):
        c = services.checkin_create(
            patient=patient, instruments_=codes, context="weekly", due_at=past, now=past
        )
        services.checkin_send(c, now=past)
        missed.append(c)
    services.checkins_expire(now=timezone.now())
    now = timezone.now()
    first = services.checkin_resend(checkin=missed[0], now=now)
    second = services.checkin_resend(checkin=missed[1], now=now)
    open_now = CheckIn.objects.filter(patient=patient, status__in=OPEN_STATUSES)
    assert list(open_now) == [second]
    assert second.instruments == ["gad7", "phq9"]
    first.refresh_from_db()
    assert first.status == "cancelled"
    cancelled = first.events.get(event="cancelled")
    assert f"replaced by check-in {second.pk}" in cancelled.detail
    assert not first.links.filter(revoked_at__isnull=True).exists()


# --- discharge cancels; paused keeps ----------------------------------------------------


@pytest.fixture
def in_treatment(patient, alice):
    _move(patient, "evaluation", "induction", by=alice.user)
    return patient


def test_discharge_cancels_queued_and_open_check_ins_and_their_unsent_messages(
    in_treatment, alice, client
):
    patient = in_treatment
    now = timezone.now()
    later = services.checkin_create(
        patient=patient, instruments_=["gad7"], context="weekly", due_at=now + dt.timedelta(days=2)
    )
    waiting = services.checkin_create(
        patient=patient, instruments_=["gad7"], context="weekly", due_at=now
    )
    services.checkin_send(waiting, now=now)
    token = _token_of(Message.objects.get().body)

    _move(patient, "discharged", by=alice.user)

    for c in (later, waiting):
        c.refresh_from_db()
        assert c.status == "cancelled"
        assert "discharged" in c.events.get(event="cancelled").detail
    assert Message.objects.get().status == "cancelled"
    assert client.get(reverse("measures:link", args=[token])).status_code == 410
    run = worker.run_once(now=now + dt.timedelta(days=3), worker="t")
    assert run["sent"] == 0 and run["delivered"] == 0
    assert mail.outbox == []
    assert CheckIn.objects.filter(patient=patient).count() == 2  # kept, not deleted


def test_pausing_keeps_check_ins_because_paused_patients_are_still_followed(in_treatment, alice):
    waiting = services.checkin_create(
        patient=in_treatment, instruments_=["gad7"], context="weekly", due_at=timezone.now()
    )
    _move(in_treatment, "paused", by=alice.user)
    waiting.refresh_from_db()
    assert waiting.status == "scheduled"


# --- never sent to a discharged patient, or one we cannot reach -------------------------


def test_staff_cannot_send_a_check_in_to_a_discharged_patient(alice_client, alice, patient):
    _move(patient, "discharged", by=alice.user)
    response = alice_client.post(reverse("measures:send_now", args=[patient.pk]))
    assert response.status_code == 302
    assert any("discharged" in m for m in _messages(response))
    assert not CheckIn.objects.exists() and not Message.objects.exists()


def test_the_send_service_refuses_a_discharged_patient(patient, checkin):
    Patient.objects.filter(pk=patient.pk).update(phase="discharged")
    checkin.patient.refresh_from_db()
    with pytest.raises(ValidationError, match="discharged"):
        services.checkin_send(checkin, now=timezone.now())
    assert not Message.objects.exists()


def test_the_worker_never_sends_to_a_discharged_patient_and_records_why(patient, checkin):
    # As if the patient were discharged by a path that ran no hook (an import, a raw fix).
    Patient.objects.filter(pk=patient.pk).update(phase="discharged")
    assert worker.send_due(now=timezone.now()) == 0
    checkin.refresh_from_db()
    assert checkin.status == "cancelled"
    assert "discharged" in checkin.events.get(event="cancelled").detail
    assert not Message.objects.exists()


def test_the_worker_does_not_send_to_someone_it_cannot_reach_and_says_why(clinic, alice):
    unreachable = patient_services.patient_create(
        clinic=clinic,
        by=alice.user,
        given_name="No",
        family_name="Contact",
        birth_date=dt.date(1980, 1, 1),
        email="gone@patient.test",
    )
    # The form insists on an address for the preferred channel; older or imported records
    # may still have none.
    Patient.objects.filter(pk=unreachable.pk).update(email="")
    c = services.checkin_create(
        patient=unreachable, instruments_=["gad7"], context="weekly", due_at=timezone.now()
    )
    worker.send_due(now=timezone.now())
    c.refresh_from_db()
    assert c.status == "undelivered"
    assert "no way to reach" in c.send_problem.lower()
    assert not c.links.exists() and not Message.objects.exists()


def test_resending_to_a_discharged_patient_is_refused_with_the_reason(alice_client, alice, patient):
    past = timezone.now() - dt.timedelta(days=10)
    c = services.checkin_create(
        patient=patient, instruments_=["gad7"], context="weekly", due_at=past, now=past
    )
    services.checkin_send(c, now=past)
    services.checkins_expire(now=timezone.now())
    _move(patient, "discharged", by=alice.user)
    response = alice_client.post(reverse("measures:resend", args=[c.pk]))
    assert any("discharged" in m for m in _messages(response))
    assert CheckIn.objects.filter(patient=patient).count() == 1


def test_a_discharged_patients_old_link_cannot_order_a_new_check_in(client, alice, patient):
    c = services.checkin_create(
        patient=patient, instruments_=["gad7"], context="weekly", due_at=timezone.now()
    )
    services.checkin_send(c, now=timezone.now())
    token = _token_of(Message.objects.get().body)
    _move(patient, "discharged", by=alice.user)
    response = client.post(reverse("measures:link_renew", args=[token]))
    assert response.status_code == 410
    assert CheckIn.objects.filter(patient=patient).count() == 1
    assert not Message.objects.filter(status="pending").exists()


# --- a dose time in the past -------------------------------------------------------------


def test_a_dose_in_2020_schedules_nothing_and_records_why(patient):
    made = worker.schedule_after_dose(
        patient=patient, dosed_at=dt.datetime(2020, 3, 1, 10, tzinfo=dt.UTC)
    )
    assert [c.status for c in made] == ["cancelled", "cancelled"]
    for c in made:
        event = c.events.get(event="not_sent")
        assert "window closed" in event.detail
    assert worker.send_due(now=timezone.now()) == 0
    assert not Message.objects.exists() and not CheckInLink.objects.exists()
    # Idempotent: giving the same dose time again adds nothing.
    assert (
        worker.schedule_after_dose(
            patient=patient, dosed_at=dt.datetime(2020, 3, 1, 10, tzinfo=dt.UTC)
        )
        == []
    )


def test_a_dose_five_days_ago_schedules_only_the_seven_day_check_in(patient):
    now = timezone.now()
    made = worker.schedule_after_dose(patient=patient, dosed_at=now - dt.timedelta(days=5))
    by_context = {c.context: c for c in made}
    assert by_context["post_24h"].status == "cancelled"
    assert by_context["post_7d"].status == "scheduled"


def test_a_dose_thirty_hours_ago_still_sends_the_24_hour_check_in(patient):
    now = timezone.now()
    made = worker.schedule_after_dose(patient=patient, dosed_at=now - dt.timedelta(hours=30))
    assert {c.context: c.status for c in made} == {"post_24h": "scheduled", "post_7d": "scheduled"}
    assert worker.send_due(now=now) == 1
    link = CheckInLink.objects.get()
    assert link.expires_at > now


def test_the_dose_form_says_which_check_ins_were_not_sent(alice_client, patient):
    dosed = timezone.localtime() - dt.timedelta(days=5)
    response = alice_client.post(
        reverse("measures:dose_checkins", args=[patient.pk]),
        {"dosed_at": dosed.strftime("%Y-%m-%dT%H:%M")},
    )
    said = " ".join(_messages(response))
    assert "Scheduled 1 check-in" in said
    assert "24 hours after a dose" in said and "not sent" in said


def test_no_post_dose_check_ins_for_a_discharged_patient(alice_client, alice, patient):
    _move(patient, "discharged", by=alice.user)
    response = alice_client.post(
        reverse("measures:dose_checkins", args=[patient.pk]),
        {"dosed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )
    assert any("discharged" in m for m in _messages(response))
    assert not CheckIn.objects.exists()


# --- the coordinator's list ---------------------------------------------------------------


def _missed(patient, days_ago):
    at = timezone.now() - dt.timedelta(days=days_ago)
    c = services.checkin_create(
        patient=patient, instruments_=["gad7"], context="weekly", due_at=at, now=at
    )
    services.checkin_send(c, now=at)
    services.checkins_expire(now=at + dt.timedelta(days=4))
    return c


@pytest.fixture
def listed(clinic, alice, patient):
    """Pat: two recent misses and one from May; Dee: discharged, missed last week."""
    recent = [_missed(patient, 5), _missed(patient, 12)]
    old = _missed(patient, 180)
    dee = patient_services.patient_create(
        clinic=clinic,
        by=alice.user,
        given_name="Dee",
        family_name="Parted",
        birth_date=dt.date(1970, 1, 1),
        phone="+13125550142",
        preferred_contact="sms",
    )
    dees = _missed(dee, 6)
    _move(dee, "discharged", by=alice.user)
    return {"recent": recent, "old": old, "dee": dee, "dees": dees}


def test_the_list_is_grouped_by_patient_with_phase_and_contact(alice_client, patient, listed):
    page = alice_client.get(reverse("measures:worklist"))
    assert page.status_code == 200
    groups = page.context["groups"]
    assert [g.patient for g in groups] == [patient]
    assert [c.pk for c in groups[0].missed] == [c.pk for c in listed["recent"]]
    html = page.content.decode()
    assert html.count("Pat Example") >= 1 and "pat@patient.test" in html
    assert "+1 312-555-0199" in html or "+13125550199" in html
    assert "Referred" in html and "Email" in html


def test_the_list_defaults_to_recent_active_patients_and_filters_show_the_rest(
    alice_client, patient, listed
):
    page = alice_client.get(reverse("measures:worklist")).content.decode()
    assert "Dee Parted" not in page
    shown = {
        c.pk
        for g in alice_client.get(reverse("measures:worklist")).context["groups"]
        for c in g.missed
    }
    assert listed["old"].pk not in shown
    everything = alice_client.get(reverse("measures:worklist"), {"days": "all", "discharged": "1"})
    shown = {c.pk for g in everything.context["groups"] for c in g.missed}
    assert {listed["old"].pk, listed["dees"].pk} <= shown
    assert "Dee Parted" in everything.content.decode()
    assert "Discharged" in everything.content.decode()


def test_a_nonsense_filter_is_explained_not_a_500(alice_client, listed):
    page = alice_client.get(reverse("measures:worklist"), {"days": "<b>x</b>"})
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()


def test_reading_the_list_logs_the_patients_shown(alice_client, patient, listed):
    alice_client.get(reverse("measures:worklist"))
    shown = set(AccessEventPatient.objects.values_list("patient_id", flat=True))
    assert shown == {patient.pk}
    alice_client.get(reverse("measures:worklist"), {"discharged": "1"})
    shown = set(AccessEventPatient.objects.values_list("patient_id", flat=True))
    assert shown == {patient.pk, listed["dee"].pk}


def test_no_reminder_goes_to_a_discharged_patient(patient, checkin):
    sent_at = timezone.now() - dt.timedelta(hours=30)
    services.checkin_send(checkin, now=sent_at)
    Message.objects.update(status="sent", body="")  # the first link left
    Patient.objects.filter(pk=patient.pk).update(phase="discharged")  # no hook ran
    assert worker.remind_due(now=timezone.now()) == 0
    checkin.refresh_from_db()
    assert checkin.status == "cancelled"
    assert not Message.objects.filter(status="pending").exists()


def test_no_reminder_to_someone_who_can_no_longer_be_reached_and_it_says_why(patient, checkin):
    services.checkin_send(checkin, now=timezone.now() - dt.timedelta(hours=30))
    Message.objects.update(status="sent", body="")
    Patient.objects.filter(pk=patient.pk).update(email="", phone="")
    assert worker.remind_due(now=timezone.now()) == 0
    assert "no way to reach" in checkin.events.get(event="remind_skipped").detail.lower()
    assert worker.remind_due(now=timezone.now()) == 0  # recorded once, not every round
    assert checkin.events.filter(event="remind_skipped").count() == 1
