"""Journeys in a real Chromium (Debian's), driven by Playwright. Screenshots go to
test-artifacts/screenshots/ so a person can look at what the product shows.

Outside CI a missing Chromium is a loud skip; with CI=true it fails. Every wait is
Playwright's auto-waiting `expect` (or a wait for a named request): never the clock.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

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
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


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
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    page.get_by_label("Search").fill("Exam")
    # htmx pushes the search into the address once the filtered table is swapped in
    expect(page).to_have_url(re.compile(r"q=Exam"))
    expect(page.get_by_role("link", name="Example, Pat")).to_be_visible()
    page.screenshot(path=SHOTS / "02-patient-list.png", full_page=True)
    page.get_by_role("link", name="Example, Pat").click()
    expect(page.get_by_role("heading", name="Pat Example")).to_be_visible()
    expect(page.get_by_text("Bob Nurse").first).to_be_visible()
    page.screenshot(path=SHOTS / "03-patient-chart.png", full_page=True)
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_role("link", name="Show reads").click()  # reads are folded by default
    expect(page.get_by_text("Opened the chart").first).to_be_visible()
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
    expect(page.get_by_text("The date of birth is in the future.")).to_be_visible()
    expect(page.get_by_label("Family name")).to_have_value("Nguyen")
    page.screenshot(path=SHOTS / "05-form-errors.png", full_page=True)


def test_an_outsider_is_refused_our_patient(live_server, page, charlie, patient):
    _sign_in(page, live_server.url, charlie.user.email)
    assert "Example" not in page.content()
    response = page.goto(f"{live_server.url}/patients/{patient.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert "Example" not in page.content()
    page.screenshot(path=SHOTS / "06-outsider-refused.png", full_page=True)


def test_a_patient_uses_the_portal_on_a_phone(live_server, phone, patient_user, patient):
    _sign_in(phone, live_server.url, patient_user.email, path="/portal/login/")
    expect(phone.get_by_role("heading", name="Hello, Pat")).to_be_visible()
    expect(phone.get_by_text("emergency").first).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
    phone.screenshot(path=SHOTS / "07-portal-phone.png", full_page=True)


def test_a_patient_completes_a_check_in_from_an_emailed_link_on_a_phone(
    live_server, phone, patient
):
    from django.core import mail
    from django.utils import timezone

    from ketacare.checkins import services as checkin_services
    from ketacare.measures.models import Response

    checkin = checkin_services.checkin_create(
        patient=patient, instruments_=["gad7", "phq9"], context="weekly", due_at=timezone.now()
    )
    checkin_services.checkin_send(checkin, now=timezone.now())
    from ketacare.outbox.services import deliver_due

    deliver_due(now=timezone.now(), worker="test")
    path = re.search(r"https?://[^/\s]+(/c/\S+/)", mail.outbox[-1].body).group(1)
    link = live_server.url + path

    phone.goto(link)
    expect(phone.get_by_role("heading", name="Your check-in")).to_be_visible()
    gad = phone.locator("#block-gad7")
    saved = re.compile(r"/save/$")
    # each answer is saved as it is given: wait for that save, not for the clock
    with phone.expect_response(saved):
        gad.get_by_role("group", name=re.compile("Feeling nervous")).get_by_label(
            "Several days"
        ).check()
    with phone.expect_response(saved):
        gad.get_by_role("group", name=re.compile("stop or control")).get_by_label(
            "Nearly every day"
        ).check()
    # half-way: reload, and the answers are still there
    phone.reload()
    gad = phone.locator("#block-gad7")
    expect(
        gad.get_by_role("group", name=re.compile("Feeling nervous")).get_by_label("Several days")
    ).to_be_checked()
    expect(
        gad.get_by_role("group", name=re.compile("stop or control")).get_by_label(
            "Nearly every day"
        )
    ).to_be_checked()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the questionnaire scrolls sideways on a phone ({width}px)"
    phone.screenshot(path=SHOTS / "08-checkin-phone-halfway.png", full_page=True)
    for fieldset in phone.locator("fieldset.q-item").all():
        if not fieldset.locator("input:checked").count():
            with phone.expect_response(saved):
                fieldset.locator("input[type=radio]").first.check()
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    phone.screenshot(path=SHOTS / "09-checkin-phone-thanks.png", full_page=True)
    assert Response.objects.get(instrument="gad7").total == 4
    # the link works once: a second visit is refused politely
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Thank you, this check-in is done")).to_be_visible()
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
    expect(page.locator(".chart svg .mark-line path")).to_have_count(2, timeout=10_000)
    page.screenshot(path=SHOTS / "11-scores-chart.png", full_page=True)


# --- roles: each person sees and may do only what their role allows -------------------


def _patient_in_evaluation(patient):
    from ketacare.patients.models import Patient

    Patient.objects.filter(pk=patient.pk).update(phase="evaluation")
    return patient


def test_a_coordinator_cannot_sign_eligibility_and_a_forged_move_is_refused(
    live_server, page, clinic, patient
):
    from ketacare.accounts.models import Role
    from ketacare.conftest import make_staff
    from ketacare.patients.models import Patient

    coordinator = make_staff(clinic, "cora@harbour.test", "Cora Coordinator", [Role.COORDINATOR])
    _patient_in_evaluation(patient)
    _sign_in(page, live_server.url, coordinator.user.email)
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    move_to = page.get_by_label("Move to")
    expect(move_to).to_be_visible()
    # only the moves a coordinator may make, and none chosen for them
    expect(move_to.locator("option")).to_have_text(["Choose a phase…", "Paused"])
    expect(move_to).to_have_value("")
    expect(page.get_by_role("link", name="API tokens")).to_have_count(0)
    page.screenshot(path=SHOTS / "12-coordinator-phase-choices.png", full_page=True)
    # forge the eligibility decision: add the missing option and send the real form
    move_to.evaluate("s => { s.add(new Option('Induction', 'induction')); s.value = 'induction'; }")
    page.get_by_label("Reason").fill("forged")
    with page.expect_response(re.compile(r"/phase/$")) as sent:
        page.get_by_role("button", name="Change phase").click()
    assert sent.value.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_text("only a prescriber signs it")).to_be_visible()
    page.screenshot(path=SHOTS / "13-coordinator-forged-move-refused.png", full_page=True)
    assert Patient.objects.get(pk=patient.pk).phase == "evaluation"


def test_a_nurse_sees_no_token_menu_and_is_told_why_at_the_door(live_server, page, bob):
    _sign_in(page, live_server.url, bob.user.email)
    expect(page.get_by_role("link", name="Patients")).to_be_visible()
    expect(page.get_by_role("link", name="API tokens")).to_have_count(0)
    expect(page.get_by_role("link", name="Staff")).to_have_count(0)
    page.screenshot(path=SHOTS / "14-nurse-menu.png", full_page=True)
    response = page.goto(f"{live_server.url}/accounts/tokens/")
    assert response.status == 403
    expect(page.get_by_text("only a clinic admin makes them")).to_be_visible()
    page.screenshot(path=SHOTS / "15-nurse-tokens-refused.png", full_page=True)


def test_a_prescriber_signs_eligibility_and_moves_the_patient_into_induction(
    live_server, page, alice, patient
):
    from ketacare.patients.models import Patient

    _patient_in_evaluation(patient)
    _sign_in(page, live_server.url, alice.user.email)
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    move_to = page.get_by_label("Move to")
    expect(move_to).to_have_value("")
    expect(move_to.locator("option")).to_have_text(
        ["Choose a phase…", "Induction", "Paused", "Discharged"]
    )
    move_to.select_option("induction")
    page.get_by_label("Reason").fill("Eligible after evaluation; consent signed.")
    page.get_by_role("button", name="Change phase").click()
    expect(page.get_by_text("is now in induction")).to_be_visible()
    expect(page.locator(".chart-head .badge")).to_have_text("Induction")
    page.screenshot(path=SHOTS / "16-prescriber-moved-to-induction.png", full_page=True)
    assert Patient.objects.get(pk=patient.pk).phase == "induction"


def test_a_clinic_admin_sees_the_token_menu(live_server, page, admin):
    _sign_in(page, live_server.url, admin.user.email)
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
