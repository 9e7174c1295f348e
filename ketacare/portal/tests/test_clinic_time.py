"""Patients read dates in their clinic's time zone, as staff do; each request ends in UTC."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from ketacare.checkins import services as checkin_services
from ketacare.measures import services

# Kiritimati is UTC+14: 20:00 UTC on 4 March is 10:00 on 5 March there.
ANSWERED = dt.datetime(2026, 3, 4, 20, 0, tzinfo=dt.UTC)


def _record_gad7(patient):
    services.response_record(
        patient=patient,
        instrument="gad7",
        answers={str(i): 1 for i in range(1, 8)},
        context="weekly",
        source="link",
        collected_at=ANSWERED,
    )


def test_portal_progress_dates_are_in_the_clinics_zone(clinic, patient, patient_client):
    clinic.time_zone = "Pacific/Kiritimati"
    clinic.save(update_fields=["time_zone"])
    _record_gad7(patient)
    page = patient_client.get(reverse("portal:progress"))
    rows = page.context["rows"]
    assert [r["date"] for r in rows] == ["2026-03-05"]
    assert rows[0]["at"] == "2026-03-05T10:00"  # the chart draws clinic wall-clock time
    html = page.content.decode()
    assert "<td>2026-03-05</td>" in html and "2026-03-04" not in html
    assert "(GAD-7, 5 Mar)" in html and "4 Mar" not in html


def test_staff_see_the_same_answer_on_the_same_clinic_date(clinic, patient, alice_client):
    clinic.time_zone = "Pacific/Kiritimati"
    clinic.save(update_fields=["time_zone"])
    _record_gad7(patient)
    html = alice_client.get(reverse("measures:scores", args=[patient.pk])).content.decode()
    assert "5 Mar 2026, 10:00" in html


def test_a_request_never_leaves_its_clinic_zone_behind(clinic, patient_client):
    clinic.time_zone = "Pacific/Kiritimati"
    clinic.save(update_fields=["time_zone"])
    assert patient_client.get(reverse("portal:home")).status_code == 200
    # The test client serves requests on this thread: a leaked zone would show here.
    assert timezone.get_current_timezone_name() == "UTC"


def test_a_secure_link_page_takes_the_zone_of_its_check_ins_clinic(clinic, patient):
    from ketacare.checkins import link_views
    from ketacare.measures.models import Context

    clinic.time_zone = "Pacific/Kiritimati"
    clinic.save(update_fields=["time_zone"])
    checkin = checkin_services.checkin_create(
        patient=patient, instruments_=["gad7"], context=Context.WEEKLY, due_at=timezone.now()
    )
    token = checkin_services.link_issue(checkin, timezone.now())
    found, link = checkin_services.checkin_for_token(token)
    try:
        link_views._state(found, link)
        assert timezone.get_current_timezone_name() == "Pacific/Kiritimati"
    finally:
        timezone.deactivate()
