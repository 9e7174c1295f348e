"""The coordinator's check-in list in Chromium: grouped by patient, recent and active by
default, discharged patients one filter away. Waits are Playwright's auto-waiting `expect`."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketacare.accounts.models import Role
from ketacare.checkins import services as checkin_services
from ketacare.conftest import make_staff
from ketacare.patients import services as patient_services
from ketacare.tests.conftest import SHOTS
from ketacare.tests.test_browser import _sign_in, page  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def _missed(patient, days_ago):
    at = timezone.now() - dt.timedelta(days=days_ago)
    c = checkin_services.checkin_create(
        patient=patient, instruments_=["gad7"], context="weekly", due_at=at, now=at
    )
    checkin_services.checkin_send(c, now=at)
    checkin_services.checkins_expire(now=at + dt.timedelta(days=4))


def test_the_coordinator_sees_check_ins_by_patient_and_can_show_discharged_ones(
    live_server,
    page,  # noqa: F811
    clinic,
    alice,
    patient,
):
    coordinator = make_staff(clinic, "cora@harbour.test", "Cora Coordinator", [Role.COORDINATOR])
    _missed(patient, 3)
    _missed(patient, 10)
    dee = patient_services.patient_create(
        clinic=clinic,
        by=alice.user,
        given_name="Dee",
        family_name="Parted",
        birth_date=dt.date(1970, 1, 1),
        phone="+13125550142",
        preferred_contact="sms",
    )
    _missed(dee, 6)
    for phase in ("evaluation", "discharged"):
        patient_services.patient_phase_change(
            patient=dee, to_phase=phase, reason="moved away", by=alice.user
        )

    _sign_in(page, live_server.url, coordinator.user.email)
    page.goto(live_server.url + "/checkins/")
    pat = page.locator("section.worklist-patient", has_text="Pat Example")
    expect(pat).to_have_count(1)  # one group, however many check-ins
    expect(pat.get_by_role("row")).to_have_count(3)  # header + two missed
    expect(pat.get_by_text("Prefers Email")).to_be_visible()
    expect(pat.get_by_role("link", name="pat@patient.test")).to_be_visible()
    expect(page.get_by_text("Dee Parted")).to_have_count(0)
    page.screenshot(path=SHOTS / "20-checkins-by-patient.png", full_page=True)

    page.get_by_label("Include discharged patients").check()
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"discharged=on"))
    dees = page.locator("section.worklist-patient", has_text="Dee Parted")
    expect(dees).to_have_count(1)
    expect(dees.get_by_text("Discharged", exact=True)).to_be_visible()
    expect(dees.get_by_text("Prefers Text message")).to_be_visible()
    expect(dees.get_by_role("button", name=re.compile("Re-send"))).to_have_count(0)
    expect(pat.get_by_role("button", name=re.compile("Re-send"))).to_have_count(2)
    page.screenshot(path=SHOTS / "21-checkins-with-discharged.png", full_page=True)
