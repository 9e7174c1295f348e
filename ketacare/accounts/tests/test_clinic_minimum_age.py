"""A clinic admin sets the clinic's minimum age at registration on the clinic settings page;
the value is kept with the clinic's history and used by the registration rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.clinic_settings import ClinicalSettings
from ketacare.patients.models import Patient

URL = "accounts:clinic_settings"


def _form(clinic, **changes):
    return {
        "name": clinic.name,
        "time_zone": clinic.time_zone,
        "open_days": [0, 1, 2, 3, 4],
        "country": clinic.country,
        "phone": clinic.phone,
        "minimum_age_years": "18",
        **changes,
    }


def test_the_page_shows_the_minimum_age_in_force(admin_client_, clinic):
    form = admin_client_.get(reverse(URL)).context["form"]
    assert form["minimum_age_years"].value() == 18
    clinic.clinical_settings = {"minimum_age_years": 21}
    clinic.save(update_fields=["clinical_settings"])
    assert admin_client_.get(reverse(URL)).context["form"]["minimum_age_years"].value() == 21


def test_an_admin_changes_the_minimum_age_with_history_and_the_rest_is_kept(
    admin_client_, admin, clinic, alice_client
):
    clinic.clinical_settings = {"checkin_window_hours": 48}
    clinic.save(update_fields=["clinical_settings"])
    response = admin_client_.post(reverse(URL), _form(clinic, minimum_age_years="16"))
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert ClinicalSettings.of(clinic).minimum_age_years == 16
    assert clinic.clinical_settings["checkin_window_hours"] == 48  # other settings untouched
    last = clinic.history.first()
    assert last.history_user == admin.user
    assert "minimum age 18 → 16" in last.history_change_reason
    # The registration rule uses it at once: a 17-year-old can now be registered.
    seventeen = dt.date(timezone.localdate().year - 17, 1, 1)
    created = alice_client.post(
        reverse("patients:create"),
        {
            "given_name": "Sam",
            "family_name": "Young",
            "birth_date": seventeen.isoformat(),
            "email": "sam@patient.test",
            "preferred_contact": "email",
        },
    )
    assert created.status_code == 302, created.context["form"].errors
    assert Patient.objects.filter(family_name="Young").exists()


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("-1", "Between 16 and 99 years."),
        ("200", "Between 16 and 99 years."),
        ("15", "Between 16 and 99 years."),
        ("eighteen", "Enter a whole number of years."),
    ],
)
def test_a_bad_minimum_age_is_refused_beside_the_field_and_nothing_changes(
    admin_client_, clinic, typed, words
):
    response = admin_client_.post(reverse(URL), _form(clinic, minimum_age_years=typed, name="X"))
    assert response.status_code == 200
    assert response.context["form"].errors["minimum_age_years"] == [words]
    assert response.context["form"]["minimum_age_years"].value() == typed  # kept as typed
    clinic.refresh_from_db()
    assert clinic.name == "Harbour"
    assert ClinicalSettings.of(clinic).minimum_age_years == 18


def test_only_a_clinic_admin_may_change_it(alice_client, clinic):
    response = alice_client.post(reverse(URL), _form(clinic, minimum_age_years="16"))
    assert response.status_code == 403
    clinic.refresh_from_db()
    assert ClinicalSettings.of(clinic).minimum_age_years == 18


def test_an_empty_minimum_age_means_our_default(admin_client_, clinic):
    clinic.clinical_settings = {"minimum_age_years": 21}
    clinic.save(update_fields=["clinical_settings"])
    response = admin_client_.post(reverse(URL), _form(clinic, minimum_age_years=""))
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert ClinicalSettings.of(clinic).minimum_age_years == 18
