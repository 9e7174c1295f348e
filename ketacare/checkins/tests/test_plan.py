import datetime as dt

from django.urls import reverse
from django.utils import timezone

from ketacare.checkins import worker
from ketacare.checkins.models import CheckIn, MeasurementPlan
from ketacare.patients import services as ps

PLAN = {
    "calendar_instruments": ["gad7", "bladder"],
    "interval_induction": "3",
    "interval_maintenance": "0",
    "interval_paused": "28",
    "after_dose": "on",
}


def _induction(patient, alice):
    for phase in ("evaluation", "induction"):
        ps.patient_phase_change(patient=patient, to_phase=phase, reason="r", by=alice.user)


def test_the_scores_page_shows_the_plan_in_force(alice_client, patient):
    page = alice_client.get(reverse("measures:scores", args=[patient.pk])).content.decode()
    assert "every 7 days" in page and "every 14 days" in page and "24 h and 7 days" in page


def test_a_patients_own_plan_overrides_the_clinic_and_drives_the_worker(
    alice_client, alice, patient
):
    response = alice_client.post(reverse("measures:plan", args=[patient.pk]), PLAN)
    assert response.status_code == 302
    plan = MeasurementPlan.objects.get(patient=patient)
    assert plan.interval_days == {"induction": 3, "maintenance": 0, "paused": 28}
    assert plan.history.first().history_user == alice.user
    _induction(patient, alice)
    now = timezone.now()
    assert worker.schedule_calendar(now=now) == 1
    assert CheckIn.objects.get().instruments == ["gad7", "bladder"]
    assert worker.schedule_calendar(now=now + dt.timedelta(days=3)) == 1
    ps.patient_phase_change(patient=patient, to_phase="maintenance", reason="r", by=alice.user)
    assert worker.schedule_calendar(now=now + dt.timedelta(days=30)) == 0  # 0 = off


def test_the_clinic_default_applies_without_a_plan(patient, alice, clinic):
    clinic.clinical_settings = {"checkin_interval_days": {"induction": 2}}
    clinic.save()
    _induction(patient, alice)
    from ketacare.core.phases import Phase

    assert worker.interval_days(patient, Phase.INDUCTION) == 2
    assert worker.interval_days(patient, Phase.MAINTENANCE) == 14


def test_plan_input_is_checked(alice_client, patient):
    bad = {**PLAN, "calendar_instruments": [], "interval_induction": "500"}
    response = alice_client.post(reverse("measures:plan", args=[patient.pk]), bad)
    assert response.status_code == 200
    assert b"Choose at least one questionnaire." in response.content
    assert b"less than or equal to 90" in response.content
    clinician = {**PLAN, "calendar_instruments": ["hama"]}
    assert (
        b"Select a valid choice"
        in alice_client.post(reverse("measures:plan", args=[patient.pk]), clinician).content
    )
    assert not MeasurementPlan.objects.exists()


def test_staff_schedule_the_post_dose_check_ins_for_a_dose(alice_client, patient):
    when = timezone.localtime(timezone=patient.clinic.tz).replace(second=0, microsecond=0)
    url = reverse("measures:dose_checkins", args=[patient.pk])
    alice_client.post(url, {"dosed_at": when.strftime("%Y-%m-%dT%H:%M")})
    assert sorted(CheckIn.objects.values_list("context", flat=True)) == ["post_24h", "post_7d"]
    again = alice_client.post(url, {"dosed_at": when.strftime("%Y-%m-%dT%H:%M")}, follow=True)
    assert b"Nothing new to schedule" in again.content
    assert CheckIn.objects.count() == 2
    bad = alice_client.post(url, {"dosed_at": "soon"}, follow=True)
    assert b"No check-ins were scheduled" in bad.content


def test_a_plan_can_turn_dose_check_ins_off(alice_client, patient):
    alice_client.post(reverse("measures:plan", args=[patient.pk]), {**PLAN, "after_dose": ""})
    assert worker.schedule_after_dose(patient=patient, dosed_at=timezone.now()) == []


def test_every_interval_field_says_what_0_does(alice_client, patient):
    from django.urls import reverse

    page = alice_client.get(reverse("measures:plan", args=[patient.pk])).content.decode()
    assert page.count("0 turns the calendar check-ins off in this phase.") == 3
