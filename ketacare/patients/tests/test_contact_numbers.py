"""Phone numbers and emails: one rule (ketacare.lib.phones and the model) for the staff
form, the JSON API and the services; stored numbers in E.164."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from ketacare.accounts.services import api_token_create
from ketacare.lib.phones import is_e164, phone_display, phone_to_e164
from ketacare.patients import services

BAD_PHONES = [
    ("<b>x</b>abc", "Use only digits"),
    ("\N{GRINNING FACE}", "Use only digits"),
    ("call me", "Use only digits"),
    ("555 0100", "not a valid phone number"),
    ("+1 555 0100", "not a valid phone number"),
    ("1", "too short"),
    ("12", "too short"),
    ("+44 20", "too short"),
    ("312 555 0142 0142 0142", "too long"),
]


@pytest.mark.parametrize(
    ("raw", "region", "stored"),
    [
        ("312 555 0142", "US", "+13125550142"),
        ("(312) 555-0142", "US", "+13125550142"),
        ("+1 312 555 0142", "", "+13125550142"),
        ("020 7946 0000", "GB", "+442079460000"),
        ("+44 20 7946 0000", "US", "+442079460000"),
        ("  ", "US", ""),
    ],
)
def test_numbers_are_stored_in_e164(raw, region, stored):
    assert phone_to_e164(raw, region=region) == stored


@pytest.mark.parametrize(("raw", "message"), BAD_PHONES)
def test_junk_is_refused_with_a_reason(raw, message):
    with pytest.raises(ValidationError, match=message):
        phone_to_e164(raw, region="US")


def test_without_a_country_a_national_number_asks_for_the_code():
    with pytest.raises(ValidationError, match="country code"):
        phone_to_e164("020 7946 0000", region="")


def test_display_and_stored_form():
    assert phone_display("+13125550142") == "+1 312-555-0142"
    assert phone_display("not a number") == "not a number"
    assert is_e164("+13125550142") and not is_e164("+1 312 555 0142") and not is_e164("")


@pytest.mark.parametrize(("raw", "message"), BAD_PHONES)
@pytest.mark.parametrize("field", ["phone", "support_phone"])
def test_the_edit_form_shows_the_error_beside_the_field(alice_client, patient, field, raw, message):
    url = reverse("patients:edit", args=[patient.pk])
    data = {
        "mrn": patient.mrn,
        "given_name": "Pat",
        "family_name": "Example",
        "birth_date": "1985-04-02",
        "sex_at_birth": "unknown",
        "email": patient.email,
        "phone": patient.phone,
        "preferred_contact": "email",
        field: raw,
    }
    response = alice_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    errors = html.split(f'id="id_{field}_errors"', 1)
    assert len(errors) == 2 and message in errors[1].split("</ul>", 1)[0]
    assert f'value="{raw}"' in html or raw.startswith("<")  # what was typed is kept
    patient.refresh_from_db()
    assert patient.phone == "+13125550199" and patient.support_phone == ""


def test_a_bad_email_is_refused_beside_the_field(alice_client, patient):
    url = reverse("patients:edit", args=[patient.pk])
    data = {
        "mrn": patient.mrn,
        "given_name": "Pat",
        "family_name": "Example",
        "birth_date": "1985-04-02",
        "sex_at_birth": "unknown",
        "email": "pat at example",
        "preferred_contact": "email",
    }
    response = alice_client.post(url, data)
    assert b'id="id_email_errors"' in response.content
    patient.refresh_from_db()
    assert patient.email == "pat@patient.test"


@pytest.fixture
def auth(alice):
    return {"Authorization": f"Bearer {api_token_create(member=alice, name='t')[1]}"}


@pytest.mark.parametrize(("raw", "message"), BAD_PHONES)
def test_the_api_applies_the_same_rule(client, auth, patient, raw, message):
    response = client.patch(
        f"/api/v1/patients/{patient.pk}",
        {"support_phone": raw},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors[0]["field"] == "support_phone" and message in errors[0]["message"]
    created = client.post(
        "/api/v1/patients",
        {
            "given_name": "Ira",
            "family_name": "Stone",
            "birth_date": "1988-03-09",
            "email": "ira@patient.test",
            "phone": raw,
        },
        content_type="application/json",
        headers=auth,
    )
    assert created.status_code == 422
    assert created.json()["errors"][0]["field"] == "phone"


def test_the_api_stores_what_the_form_stores(client, auth, patient):
    response = client.patch(
        f"/api/v1/patients/{patient.pk}",
        {"support_phone": "(312) 555-0150"},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 200
    assert response.json()["support_phone"] == "+13125550150"


def test_an_unchanged_number_typed_differently_is_not_a_change(patient, alice):
    before = patient.history.count()
    services.patient_update(patient=patient, by=alice.user, phone="(312) 555-0199")
    assert patient.history.count() == before


def test_a_number_that_could_not_be_read_is_kept_and_marked(alice_client, patient):
    # As the data migration leaves it: stored as typed, not lost.
    type(patient).objects.filter(pk=patient.pk).update(support_phone="ask at desk")
    page = alice_client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert "ask at desk" in page and "could not be read" in page
    assert 'href="tel:+13125550199"' in page


def test_the_data_migration_converts_what_parses_and_keeps_the_rest(clinic, alice):
    patient = services.patient_create(
        clinic=clinic,
        by=alice.user,
        given_name="Old",
        family_name="Record",
        birth_date=dt.date(1970, 1, 1),
        email="old@patient.test",
    )
    model = type(patient)
    model.objects.filter(pk=patient.pk).update(phone="312 555 0142", support_phone="<b>x</b>abc")
    clinic_model = type(clinic)
    clinic_model.objects.filter(pk=clinic.pk).update(phone="+1 (312) 555-0100")
    migration = importlib.import_module("ketacare.patients.migrations.0002_phone_numbers_to_e164")
    state = MigrationExecutor(connection).loader.project_state(
        ("patients", "0002_phone_numbers_to_e164")
    )
    migration.forwards(state.apps, None)
    patient.refresh_from_db()
    clinic.refresh_from_db()
    assert patient.phone == "+13125550142"
    assert patient.support_phone == "<b>x</b>abc"  # left as typed, marked on the chart
    assert clinic.phone == "+13125550100"
    latest = patient.history.first()
    assert latest.phone == "+13125550142"
    assert latest.history_change_reason == migration.REASON
