"""Journey: edit an existing patient in Chromium, save, see it saved; bad values are
refused beside their fields. Waits on the page (Playwright's expect), never the clock."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ketacare.conftest import PASSWORD
from ketacare.tests.conftest import SHOTS

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    pg = context.new_page()
    yield pg
    context.close()


def _sign_in(page, base, email):
    from playwright.sync_api import expect

    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()


def test_edit_an_existing_patient_save_and_see_it_saved(live_server, desk, alice, patient):
    from playwright.sync_api import expect

    patient.birth_date = dt.date(1998, 9, 9)
    patient.save()
    _sign_in(desk, live_server.url, alice.user.email)
    desk.goto(f"{live_server.url}/patients/{patient.pk}/edit/")
    # The stored birth date shows in the date input (it was empty when rendered 09/09/1998).
    expect(desk.get_by_label("Birth date")).to_have_value("1998-09-09")
    desk.get_by_label("Preferred name").fill("Patsy")
    desk.get_by_label("Reason").fill("patient asked")
    desk.get_by_role("button", name="Save").click()
    expect(desk.get_by_text("The record was saved.")).to_be_visible()
    expect(desk.get_by_role("heading", name="Patsy Example")).to_be_visible()
    expect(desk.locator(".chart-head").get_by_text("+1 312-555-0199")).to_be_visible()
    patient.refresh_from_db()
    assert (patient.preferred_name, patient.birth_date) == ("Patsy", dt.date(1998, 9, 9))

    desk.goto(f"{live_server.url}/patients/{patient.pk}/edit/")
    desk.get_by_label("Phone", exact=True).fill("<b>x</b>abc")
    desk.get_by_label("Support person's phone").fill("555 0100")
    desk.get_by_label("Email").fill("not an email")
    desk.get_by_role("button", name="Save").click()
    expect(desk.locator("#id_phone_errors")).to_contain_text("Use only digits")
    expect(desk.locator("#id_support_phone_errors")).to_contain_text("not a valid phone number")
    expect(desk.locator("#id_email_errors")).to_contain_text(re.compile("valid email", re.I))
    expect(desk.get_by_label("Phone", exact=True)).to_have_value("<b>x</b>abc")
    expect(desk.get_by_label("Birth date")).to_have_value("1998-09-09")
    desk.screenshot(path=SHOTS / "20-patient-edit-errors.png", full_page=True)
    patient.refresh_from_db()
    assert patient.phone == "+13125550199" and patient.email == "pat@patient.test"


@pytest.fixture
def narrow(browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    pg = context.new_page()
    yield pg
    context.close()


def test_a_coordinator_sees_who_needs_attention_first(live_server, desk, narrow, admin, alice):
    from playwright.sync_api import expect

    from ketacare.dashboard.tests.test_triage import alert, checkin, make, scores

    by = alice.user
    urgent = make(admin.clinic, by, "Foster")
    alert(urgent, "urgent")
    scores(urgent, "phq9", (18, 60), (9, 30), (12, 1))
    relapse = make(admin.clinic, by, "Davis")
    scores(relapse, "gad7", (17, 70), (12, 40), (9, 20), (19, 1))
    scores(relapse, "phq9", (15, 70), (10, 20), (11, 1))
    checkin(relapse, "scheduled", 3)
    fine = make(admin.clinic, by, "Adams")
    scores(fine, "gad7", (16, 70), (8, 20), (7, 2))
    checkin(fine, "scheduled", 3)
    missed = make(admin.clinic, by, "Clark")
    checkin(missed, "missed", -4)
    checkin(missed, "scheduled", 3)
    for page, name, width in (
        (desk, "21-triage-list-desktop.png", 1280),
        (narrow, "22-triage-list-375.png", 375),
    ):
        _sign_in(page, live_server.url, admin.user.email)
        rows = page.locator("#patient-table tbody tr")
        expect(rows.first).to_contain_text("Foster")
        expect(rows.first).to_contain_text("Urgent alert")
        expect(rows.nth(1)).to_contain_text("Worse than best +10")
        expect(rows.nth(2)).to_contain_text("Missed check-in")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=SHOTS / name, full_page=True)
