"""A clinic admin sets the minimum age at registration in Chromium: saved and shown again,
and a bad value refused beside the field. Waits are Playwright's auto-waiting `expect`."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ketacare.accounts.clinic_settings import ClinicalSettings
from ketacare.tests.conftest import SHOTS
from ketacare.tests.test_browser import _sign_in, page  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_a_clinic_admin_changes_the_minimum_age_and_a_bad_value_is_refused(
    live_server,
    page,  # noqa: F811
    clinic,
    admin,
):
    _sign_in(page, live_server.url, admin.user.email)
    page.get_by_role("link", name="Clinic settings", exact=True).click()
    age = page.get_by_label("Minimum age at registration (years)")
    expect(age).to_have_value("18")

    age.fill("21")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Clinic settings saved.")).to_be_visible()
    expect(page.get_by_label("Minimum age at registration (years)")).to_have_value("21")
    clinic.refresh_from_db()
    assert ClinicalSettings.of(clinic).minimum_age_years == 21

    age = page.get_by_label("Minimum age at registration (years)")
    age.fill("200")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Between 16 and 99 years.")).to_be_visible()
    expect(page.get_by_label("Minimum age at registration (years)")).to_have_value("200")
    page.screenshot(path=SHOTS / "30-clinic-minimum-age-refused.png", full_page=True)
    clinic.refresh_from_db()
    assert ClinicalSettings.of(clinic).minimum_age_years == 21
