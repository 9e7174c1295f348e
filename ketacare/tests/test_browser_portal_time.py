"""A patient on a phone reads dates in their clinic's time zone and sees their clinic's
crisis line. The clinic is at UTC+14, so a UTC date would be visibly a day early.

Screenshots (375 px wide) go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketacare.conftest import PASSWORD
from ketacare.tests.conftest import SHOTS

pytestmark = pytest.mark.browser

KIRITIMATI = zoneinfo.ZoneInfo("Pacific/Kiritimati")  # UTC+14
ANSWERED = dt.datetime(2026, 3, 4, 20, 0, tzinfo=dt.UTC)  # 5 March, 10:00 in the clinic


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def far_clinic_patient(clinic, patient, patient_user):
    from ketacare.checkins import services as checkin_services
    from ketacare.measures import services

    clinic.time_zone = "Pacific/Kiritimati"
    clinic.emergency_number = "911"
    clinic.crisis_line_name = "988 Suicide & Crisis Lifeline"
    clinic.crisis_line_number = "988"
    clinic.crisis_line_note = "Call or text, any time."
    clinic.save()
    services.response_record(
        patient=patient,
        instrument="gad7",
        answers={str(i): 1 for i in range(1, 8)},
        context="weekly",
        source="link",
        collected_at=ANSWERED,
    )
    checkin = checkin_services.checkin_create(
        patient=patient, instruments_=["gad7"], context="weekly", due_at=timezone.now()
    )
    # 11:00 UTC two days on is 01:00 the day after in the clinic: the dates differ.
    today = timezone.now().astimezone(dt.UTC).date()
    checkin.expires_at = dt.datetime.combine(today + dt.timedelta(days=2), dt.time(11), dt.UTC)
    checkin.status = "sent"
    checkin.save(update_fields=["expires_at", "status"])
    return checkin


def test_a_patient_on_a_phone_reads_clinic_dates_and_the_clinics_crisis_line(
    live_server, phone, patient_user, far_clinic_patient
):
    phone.goto(live_server.url + "/portal/login/")
    phone.get_by_label("Email").fill(patient_user.email)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_role("heading", name=re.compile("^Hello"))).to_be_visible()

    local_expiry = far_clinic_patient.expires_at.astimezone(KIRITIMATI)
    utc_expiry = far_clinic_patient.expires_at.astimezone(dt.UTC)
    assert local_expiry.date() != utc_expiry.date()
    expect(phone.get_by_text("Open until")).to_contain_text(
        f"Open until {local_expiry.day} {local_expiry:%B}, {local_expiry:%H:%M} +14"
    )

    crisis = phone.locator("#contact .crisis")
    expect(crisis).to_contain_text("call 911 now")
    expect(crisis).to_contain_text("988 Suicide & Crisis Lifeline")
    expect(crisis.get_by_role("link", name="988", exact=True)).to_have_attribute("href", "tel:988")
    crisis.scroll_into_view_if_needed()
    phone.screenshot(path=SHOTS / "portal-phone-home-clinic-time.png", full_page=True)

    phone.get_by_role("link", name="My progress").click()
    expect(phone.get_by_role("heading", name="My progress", exact=True)).to_be_visible()
    expect(phone.get_by_text("Your most recent anxiety score")).to_contain_text("GAD-7, 5 Mar")
    phone.get_by_text("Show the numbers").click()
    table = phone.locator("details.chart-table table")
    expect(table).to_be_visible()
    expect(table.locator("td").first).to_have_text("2026-03-05")
    expect(table).not_to_contain_text("2026-03-04")
    # Nothing wider than the phone: the page must not scroll sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=SHOTS / "portal-phone-progress-clinic-time.png", full_page=True)
