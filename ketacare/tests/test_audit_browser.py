"""The audit trail in Chromium: filter by kind, unfold the reads; screenshots for a person."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ketacare.conftest import PASSWORD
from ketacare.dashboard.tests.test_audit_trail import history  # noqa: F401  (fixture)
from ketacare.tests.conftest import SHOTS

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield pg
    context.close()
    assert not errors, errors


def test_the_audit_trail_filters_and_unfolds_reads(live_server, page, alice, patient, history):  # noqa: F811
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(alice.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/patients/{patient.pk}/audit/")
    table = page.locator("table.data")
    expect(table).to_contain_text("GAD-7 recorded")
    expect(table).to_contain_text("Check-in re-sent")
    expect(table).not_to_contain_text("Opened the audit trail")
    expect(page.locator("#reads-folded")).to_contain_text("folded away")
    page.screenshot(path=SHOTS / "audit-01-trail.png", full_page=True)

    page.get_by_label("What").select_option("alert")
    page.get_by_role("button", name="Filter").click()
    expect(table).to_contain_text("Urgent alert raised")
    expect(table).not_to_contain_text("GAD-7 recorded")
    page.screenshot(path=SHOTS / "audit-02-alerts.png", full_page=True)

    page.goto(f"{live_server.url}/patients/{patient.pk}/audit/")
    page.get_by_role("link", name="Show reads").click()
    expect(table).to_contain_text("Opened the audit trail")
    page.screenshot(path=SHOTS / "audit-03-reads.png", full_page=True)
