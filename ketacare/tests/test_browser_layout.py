"""Layout at the widths people use: a 1280 px desk, an 800 px tablet, a 375 px phone.
Tables fit their card (no column clipped or pushed off-screen), and no page scrolls
sideways, whatever the length of a name or an email address."""

from __future__ import annotations

import pytest

from ketacare.conftest import PASSWORD
from ketacare.tests.conftest import SHOTS

pytestmark = pytest.mark.browser

WIDTHS = (1280, 800, 375)
FITS = """(sel) => [...document.querySelectorAll(sel)].every(
    (t) => t.scrollWidth <= t.parentElement.clientWidth + 1)"""


def _page(browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    return context, context.new_page()


def _sign_in(page, base, email, path):
    page.goto(base + path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.fixture
def ward(admin, alice, bob):
    from ketacare.dashboard.tests.test_triage import alert, checkin, make, scores
    from ketacare.patients import services

    made = []
    for i, family in enumerate(["Foster", "Davis", "Abernathy-Featherstonehaugh", "Clark"]):
        p = make(admin.clinic, alice.user, family)
        services.care_team_add(patient=p, staff_member=bob, role="nurse", by=alice.user)
        services.care_team_add(patient=p, staff_member=alice, role="prescriber", by=alice.user)
        scores(p, "gad7", (17, 70), (12, 40), (9 + i, 20), (19, 1))
        scores(p, "phq9", (15, 70), (10, 20), (11, 1))
        checkin(p, "scheduled", 3)
        made.append(p)
    alert(made[0], "urgent")
    alert(made[0], "warning")
    return made


@pytest.mark.parametrize("width", WIDTHS)
def test_the_patient_list_and_scores_fit_the_screen(live_server, browser, admin, ward, width):
    context, page = _page(browser, width)
    _sign_in(page, live_server.url, admin.user.email, "/accounts/login/")
    page.goto(live_server.url + "/patients/")
    page.screenshot(path=SHOTS / f"30-list-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if width > 600:
        assert page.evaluate(FITS, "table.triage")
        assert page.get_by_role("columnheader", name="Contact").is_visible()
    page.goto(f"{live_server.url}/patients/{ward[0].pk}/scores/")
    page.screenshot(path=SHOTS / f"31-scores-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if width > 600:
        assert page.evaluate(FITS, "table.scores")
        assert page.get_by_role("columnheader", name="Flags").is_visible()
    page.goto(f"{live_server.url}/patients/{ward[0].pk}/")
    head = page.locator(".chart-head")
    assert "Prefers" in head.inner_text() and "foster@patient.test" in head.inner_text()
    page.screenshot(path=SHOTS / f"32-chart-{width}.png")
    context.close()


def test_the_portal_does_not_scroll_sideways_with_a_long_email(
    live_server, browser, patient_user, patient
):
    patient.email = "a.very.long.address.for.testing.wrapping@some-long-domain.example.org"
    patient.phone = "+13125550166"
    patient.save(update_fields=["email", "phone"])
    patient_user.email = patient.email
    patient_user.save(update_fields=["email"])
    context, page = _page(browser, 375)
    _sign_in(page, live_server.url, patient_user.email, "/portal/login/")
    page.goto(live_server.url + "/portal/")
    assert "+1 312-555-0166" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=SHOTS / "33-portal-long-email-375.png", full_page=True)
    context.close()
