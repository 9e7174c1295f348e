"""Each clinic sets the crisis help its patients see: an emergency number and a crisis line."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.models import Clinic
from ketacare.checkins import services as checkin_services
from ketacare.measures.models import Context

URL = reverse("accounts:clinic_crisis_lines")
US = {
    "emergency_number": "911",
    "crisis_line_name": "988 Suicide & Crisis Lifeline",
    "crisis_line_number": "988",
    "crisis_line_note": "Call or text, any time.",
}


def _set(clinic, **values):
    for name, value in values.items():
        setattr(clinic, name, value)
    clinic.save()


def test_an_admin_sets_the_crisis_lines_and_the_change_is_kept_in_history(
    admin_client_, admin, clinic
):
    response = admin_client_.post(URL, US)
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert (clinic.emergency_number, clinic.crisis_line_number) == ("911", "988")
    latest = clinic.history.first()
    assert latest.history_change_reason == "crisis lines changed"
    assert latest.history_user == admin.user
    settings_page = admin_client_.get(reverse("accounts:clinic_settings")).content.decode()
    assert "988 Suicide &amp; Crisis Lifeline: 988" in settings_page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("crisis_line_name", "<b>x</b>abc"),
        ("crisis_line_name", "Crisis line \N{TELEPHONE RECEIVER}"),
        ("crisis_line_note", "call\x07 now"),
        ("crisis_line_number", "abc"),
        ("crisis_line_number", "\N{ARABIC-INDIC DIGIT NINE}88"),
        ("crisis_line_number", "988; DROP"),
        ("crisis_line_number", "9"),
        ("emergency_number", "91a"),
        ("emergency_number", "+911"),
    ],
)
def test_bad_crisis_details_are_refused_beside_the_field_and_nothing_is_saved(
    admin_client_, clinic, field, value
):
    _set(clinic, **US)
    response = admin_client_.post(URL, {**US, field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    clinic.refresh_from_db()
    assert getattr(clinic, field) == US[field]


def test_a_crisis_line_needs_both_a_name_and_a_number(admin_client_, clinic):
    response = admin_client_.post(URL, {**US, "crisis_line_number": ""})
    assert "Give the crisis line&#x27;s number." in response.content.decode()
    clinic.refresh_from_db()
    assert clinic.crisis_line_name == ""


def test_other_staff_cannot_change_the_crisis_lines(alice_client, clinic):
    assert alice_client.post(URL, US).status_code == 403
    clinic.refresh_from_db()
    assert clinic.emergency_number == ""


def _sent_link(patient):
    checkin = checkin_services.checkin_create(
        patient=patient, instruments_=["gad7"], context=Context.WEEKLY, due_at=timezone.now()
    )
    token = checkin_services.link_issue(checkin, timezone.now())
    checkin.status, checkin.sent_at = "sent", timezone.now()
    checkin.save(update_fields=["status", "sent_at"])
    return token


def test_every_patient_page_shows_the_clinics_crisis_lines(clinic, patient, patient_client):
    _set(clinic, **US)
    token = _sent_link(patient)
    pages = {
        "portal home": patient_client.get(reverse("portal:home")),
        "learn": patient_client.get(reverse("portal:learn")),
        "when to call": patient_client.get(reverse("portal:learn_page", args=["when-to-call"])),
        "secure link": Client().get(reverse("measures:link", args=[token])),
        "expired link": Client().get(reverse("measures:link", args=["not-a-real-token"])),
        "portal sign-in": Client().get(reverse("portal:login")),
    }
    for name, page in pages.items():
        html = page.content.decode()
        if name == "expired link":  # no clinic is known from a broken link
            assert "your local emergency number" in html, name
            continue
        assert '<a href="tel:911">911</a>' in html, name
        assert '<a href="tel:988">988</a>' in html, name
        assert "988 Suicide &amp; Crisis Lifeline" in html, name
        assert "your local emergency number" not in html, name


def test_without_crisis_lines_patients_are_told_to_call_their_local_emergency_number(
    patient_client,
):
    html = patient_client.get(reverse("portal:home")).content.decode()
    assert "call your local emergency number now" in html
    assert "To talk to someone now" not in html


def test_the_sign_in_page_shows_shared_crisis_help_only_when_every_clinic_agrees(
    clinic, other_clinic
):
    _set(clinic, **US)
    differing = Client().get(reverse("portal:login")).content.decode()
    assert "your local emergency number" in differing and "tel:988" not in differing
    _set(other_clinic, **US)
    shared = Client().get(reverse("portal:login")).content.decode()
    assert "tel:988" in shared
    assert clinic.phone not in shared  # no one clinic's own phone for a visitor


def test_numbers_dial_as_digits():
    clinic = Clinic(crisis_line_number="+44 116-123", emergency_number="999")
    assert (clinic.crisis_line_href, clinic.emergency_href) == ("+44116123", "999")
