"""Automated accessibility checks (axe-core, WCAG 2.1 A/AA rules) on the pages people use
most, in Debian's Chromium. Serious and critical findings fail the test.

axe cannot judge everything (wording, focus order in real use); the keyboard journey in
test_browser.py and looking at the screenshots cover some of the rest.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.utils import timezone

from ketacare.conftest import PASSWORD

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
RUN = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return r.violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
  }));
}"""


@pytest.fixture
def chromium(browser):
    return browser


def _violations(page):
    page.evaluate(AXE)
    return page.evaluate(RUN)


def _sign_in(page, base, email, path):
    page.goto(base + path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_staff_pages_have_no_serious_accessibility_problems(live_server, chromium, alice, patient):
    from ketacare.measures import services

    services.response_record(
        patient=patient,
        instrument="gad7",
        answers={str(i): 1 for i in range(1, 8)},
        context="weekly",
        source="link",
        collected_at=timezone.now(),
    )
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    found = {}
    page.goto(live_server.url + "/accounts/login/")
    found["login"] = _violations(page)
    _sign_in(page, live_server.url, alice.user.email, "/accounts/login/")
    for name, path in [
        ("patient list", "/patients/"),
        ("chart", f"/patients/{patient.pk}/"),
        ("edit record", f"/patients/{patient.pk}/edit/"),
        ("audit trail", f"/patients/{patient.pk}/audit/"),
        ("scores", f"/patients/{patient.pk}/scores/"),
        ("enter GAD-7", f"/patients/{patient.pk}/scores/new/gad7/"),
        ("check-ins", "/checkins/"),
        ("API tokens", "/accounts/tokens/"),
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        found[name] = _violations(page)
    context.close()
    problems = {k: v for k, v in found.items() if v}
    assert not problems, json.dumps(problems, indent=1)


def test_patient_pages_on_a_phone_have_no_serious_accessibility_problems(
    live_server, chromium, patient_user, patient
):
    from ketacare.checkins import services as checkin_services

    checkin = checkin_services.checkin_create(
        patient=patient,
        instruments_=["gad7", "phq9", "cssrs"],
        context="weekly",
        due_at=timezone.now(),
    )
    token = checkin_services.link_issue(checkin, timezone.now())
    checkin.status = "sent"
    checkin.save(update_fields=["status"])
    context = chromium.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, bypass_csp=True
    )
    page = context.new_page()
    found = {}
    page.goto(f"{live_server.url}/c/{token}/")
    found["check-in link"] = _violations(page)
    page.goto(live_server.url + "/portal/login/")
    found["portal login"] = _violations(page)
    _sign_in(page, live_server.url, patient_user.email, "/portal/login/")
    for name, path in [
        ("home", "/portal/"),
        ("progress", "/portal/progress/"),
        ("learn", "/portal/learn/feeling-worse/"),
    ]:
        page.goto(live_server.url + path)
        found[name] = _violations(page)
    context.close()
    problems = {k: v for k, v in found.items() if v}
    assert not problems, json.dumps(problems, indent=1)


def test_the_checker_itself_catches_a_missing_label(chromium):
    # Guards the harness: if axe stopped running, the tests above would pass vacuously.
    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content('<html lang="en"><title>t</title><main><input type="text"></main></html>')
    ids = {v["id"] for v in _violations(page)}
    context.close()
    assert "label" in ids
