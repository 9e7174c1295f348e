"""Journeys in a real Chromium (Debian's), driven by Playwright. Screenshots go to
test-artifacts/screenshots/ so a person can look at what the product shows.

Outside CI a missing Chromium is a loud skip; with CI=true it fails.
"""

from __future__ import annotations

import pytest

from ketacare.conftest import PASSWORD
from ketacare.tests.conftest import SHOTS

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    pg = context.new_page()
    errors: list[str] = []
    # Broken scripts and CSP violations show in the console; a page that is *meant* to be a
    # 404 (the outsider test) also logs "Failed to load resource", so resources are checked
    # by their own responses instead.
    pg.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    pg.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if "/static/" in r.url and r.status >= 400
            else None
        ),
    )
    yield pg
    context.close()
    assert not errors, errors


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


def _sign_in(page, base, email, path="/accounts/login/"):
    page.goto(base + path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_staff_sign_in_find_a_patient_and_open_the_chart(live_server, page, alice, bob, patient):
    from ketacare.patients import services

    services.care_team_add(patient=patient, staff_member=bob, role="nurse", by=alice.user)
    page.goto(live_server.url + "/accounts/login/")
    page.screenshot(path=SHOTS / "01-staff-login.png", full_page=True)
    # keyboard only: the email field has focus, Tab moves on, Enter submits
    page.keyboard.type(alice.user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/patients/")
    assert page.get_by_role("heading", name="Patients").is_visible()
    page.get_by_label("Search").fill("Exam")
    page.wait_for_timeout(600)  # htmx debounce (300 ms) and the swap
    assert page.get_by_role("link", name="Example, Pat").is_visible()
    page.screenshot(path=SHOTS / "02-patient-list.png", full_page=True)
    page.get_by_role("link", name="Example, Pat").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Pat Example").is_visible()
    assert page.get_by_text("Bob Nurse").first.is_visible()
    page.screenshot(path=SHOTS / "03-patient-chart.png", full_page=True)
    page.get_by_role("link", name="Audit trail").click()
    assert page.get_by_text("Opened the chart").first.is_visible()
    page.screenshot(path=SHOTS / "04-audit-trail.png", full_page=True)


def test_a_registration_with_bad_input_shows_the_errors_and_keeps_the_text(
    live_server, page, alice
):
    _sign_in(page, live_server.url, alice.user.email)
    page.goto(live_server.url + "/patients/new/")
    page.get_by_label("Given name").fill("Rae")
    page.get_by_label("Family name").fill("Nguyen")
    page.get_by_label("Birth date").fill("2999-01-01")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_text("The date of birth is in the future.").is_visible()
    assert page.get_by_label("Family name").input_value() == "Nguyen"
    page.screenshot(path=SHOTS / "05-form-errors.png", full_page=True)


def test_an_outsider_is_refused_our_patient(live_server, page, charlie, patient):
    _sign_in(page, live_server.url, charlie.user.email)
    assert "Example" not in page.content()
    response = page.goto(f"{live_server.url}/patients/{patient.pk}/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
    assert "Example" not in page.content()
    page.screenshot(path=SHOTS / "06-outsider-refused.png", full_page=True)


def test_a_patient_uses_the_portal_on_a_phone(live_server, phone, patient_user, patient):
    _sign_in(phone, live_server.url, patient_user.email, path="/portal/login/")
    assert phone.get_by_role("heading", name="Hello, Pat").is_visible()
    assert phone.get_by_text("emergency").first.is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
    phone.screenshot(path=SHOTS / "07-portal-phone.png", full_page=True)


def test_a_patient_completes_a_check_in_from_an_emailed_link_on_a_phone(
    live_server, phone, patient
):
    import re

    from django.core import mail
    from django.utils import timezone

    from ketacare.measures import services
    from ketacare.measures.models import Response

    checkin = services.checkin_create(
        patient=patient, instruments_=["gad7", "phq9"], context="weekly", due_at=timezone.now()
    )
    services.checkin_send(checkin, now=timezone.now())
    from ketacare.outbox.services import deliver_due

    deliver_due(now=timezone.now(), worker="test")
    path = re.search(r"https?://[^/\s]+(/c/\S+/)", mail.outbox[-1].body).group(1)
    link = live_server.url + path

    phone.goto(link)
    assert phone.get_by_role("heading", name="Your check-in").is_visible()
    gad = phone.locator("#block-gad7")
    gad.get_by_role("group", name=re.compile("Feeling nervous")).get_by_label(
        "Several days"
    ).check()
    phone.wait_for_timeout(400)
    gad.get_by_role("group", name=re.compile("stop or control")).get_by_label(
        "Nearly every day"
    ).check()
    phone.wait_for_timeout(400)
    # half-way: reload, and the answers are still there
    phone.reload()
    gad = phone.locator("#block-gad7")
    assert (
        gad.get_by_role("group", name=re.compile("Feeling nervous"))
        .get_by_label("Several days")
        .is_checked()
    )
    assert (
        gad.get_by_role("group", name=re.compile("stop or control"))
        .get_by_label("Nearly every day")
        .is_checked()
    )
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the questionnaire scrolls sideways on a phone ({width}px)"
    phone.screenshot(path=SHOTS / "08-checkin-phone-halfway.png", full_page=True)
    for fieldset in phone.locator("fieldset.q-item").all():
        if not fieldset.locator("input:checked").count():
            fieldset.locator("input[type=radio]").first.check()
            phone.wait_for_timeout(150)
    phone.get_by_role("button", name="Send my answers").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", name="Thank you").is_visible()
    phone.screenshot(path=SHOTS / "09-checkin-phone-thanks.png", full_page=True)
    assert Response.objects.get(instrument="gad7").total == 4
    # the link works once: a second visit is refused politely
    phone.goto(link)
    assert phone.get_by_role("heading", name="Thank you, this check-in is done").is_visible()
    phone.screenshot(path=SHOTS / "10-checkin-link-used.png", full_page=True)


def test_the_trajectory_chart_draws_under_the_strict_csp(live_server, page, alice, patient):
    import datetime as dt

    from django.utils import timezone

    from ketacare.measures import services

    for days, value in ((28, 2), (21, 2), (14, 1), (7, 1), (1, 0)):
        for code, n in (("gad7", 7), ("phq9", 9)):
            services.response_record(
                patient=patient,
                instrument=code,
                answers={str(i): value for i in range(1, n + 1)},
                context="weekly",
                source="link",
                collected_at=timezone.now() - dt.timedelta(days=days),
            )
    _sign_in(page, live_server.url, alice.user.email)
    page.goto(f"{live_server.url}/patients/{patient.pk}/scores/")
    page.wait_for_selector(".chart svg", timeout=10000)
    assert page.locator(".chart svg .mark-line path").count() == 2
    page.screenshot(path=SHOTS / "11-scores-chart.png", full_page=True)
