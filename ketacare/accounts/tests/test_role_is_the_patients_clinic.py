"""A role is held in one clinic: it never reaches the patients of another.

Found by attacking the build: a therapist at clinic A who is also a prescriber and admin at
clinic B switched to B, then moved, exported and audited A's patients with B's powers
(the role came from the clinic chosen, the patient from any clinic the person works at).
"""

import pytest
from django.urls import reverse

from ketacare.accounts.access import SESSION_CLINIC_KEY
from ketacare.accounts.models import Role, StaffMember
from ketacare.conftest import client_for


@pytest.fixture
def two_hats(clinic, other_clinic, bob):
    """Bob: a nurse at Harbour (the patient's clinic), prescriber and admin at Northside."""
    StaffMember.objects.create(
        user=bob.user, clinic=other_clinic, roles=[Role.PRESCRIBER, Role.CLINIC_ADMIN]
    )
    c = client_for(bob.user)
    session = c.session
    session[SESSION_CLINIC_KEY] = other_clinic.pk
    session.save()
    return c


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("patients:export", "get", None),
        ("patients:audit", "get", None),
        ("patients:detail", "get", None),
        ("patients:phase_change", "post", {"to_phase": "evaluation", "reason": "x"}),
        ("patients:edit", "post", {"given_name": "Changed"}),
    ],
)
def test_acting_in_another_clinic_finds_none_of_this_clinics_patients(
    two_hats, patient, name, method, data
):
    before = (patient.phase, patient.given_name)
    response = getattr(two_hats, method)(reverse(name, args=[patient.pk]), data or {})
    assert response.status_code == 404
    patient.refresh_from_db()
    assert (patient.phase, patient.given_name) == before


def test_in_the_patients_own_clinic_the_role_held_there_decides(two_hats, patient, clinic):
    session = two_hats.session
    session[SESSION_CLINIC_KEY] = clinic.pk
    session.save()
    assert two_hats.get(reverse("patients:detail", args=[patient.pk])).status_code == 200
    refused = two_hats.get(reverse("patients:export", args=[patient.pk]))
    assert refused.status_code == 403  # a nurse at Harbour may not export
