"""Shared personas, in the style of healthchecks' BaseTestCase.

- clinic: Harbour (the clinic under test); other_clinic: Northside.
- prescriber (alice) and nurse (bob): staff of Harbour. admin: Harbour's clinic admin.
- outsider (charlie): prescriber and clinic admin at Northside only; must be refused.
- patient / patient_user: a Harbour patient with a portal login; other_patient_user: another.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from ketacare.accounts.models import Clinic, Role, StaffMember, User
from ketacare.patients import services
from ketacare.patients.models import Patient

PASSWORD = "correct horse battery staple"


def make_staff(clinic: Clinic, email: str, name: str, roles: list[str]) -> StaffMember:
    user = User.objects.create_user(email=email, full_name=name, password=PASSWORD)
    return StaffMember.objects.create(user=user, clinic=clinic, roles=roles)


@pytest.fixture
def clinic(db) -> Clinic:
    return Clinic.objects.create(
        name="Harbour",
        slug="harbour",
        time_zone="America/Chicago",
        country="US",
        phone="+13125550100",
        mrn_prefix="HB",
    )


@pytest.fixture
def other_clinic(db) -> Clinic:
    return Clinic.objects.create(name="Northside", slug="northside", mrn_prefix="NS")


@pytest.fixture
def alice(clinic) -> StaffMember:
    return make_staff(clinic, "alice@harbour.test", "Alice Prescriber", [Role.PRESCRIBER])


@pytest.fixture
def bob(clinic) -> StaffMember:
    return make_staff(clinic, "bob@harbour.test", "Bob Nurse", [Role.NURSE])


@pytest.fixture
def admin(clinic) -> StaffMember:
    return make_staff(
        clinic, "admin@harbour.test", "Ada Admin", [Role.CLINIC_ADMIN, Role.COORDINATOR]
    )


@pytest.fixture
def charlie(other_clinic) -> StaffMember:
    return make_staff(
        other_clinic,
        "charlie@northside.test",
        "Charlie Outsider",
        [Role.PRESCRIBER, Role.CLINIC_ADMIN],
    )


@pytest.fixture
def patient(clinic, alice) -> Patient:
    return services.patient_create(
        clinic=clinic,
        by=alice.user,
        mrn="HB-1",
        given_name="Pat",
        family_name="Example",
        birth_date=dt.date(1985, 4, 2),
        email="pat@patient.test",
        phone="+13125550199",
    )


@pytest.fixture
def patient_user(patient) -> User:
    user = User.objects.create_user(
        email=patient.email, full_name=patient.legal_name, password=PASSWORD
    )
    patient.portal_user = user
    patient.save(update_fields=["portal_user"])
    return user


@pytest.fixture
def other_patient_user(clinic, alice) -> User:
    other = services.patient_create(
        clinic=clinic,
        by=alice.user,
        mrn="HB-2",
        given_name="Quinn",
        family_name="Other",
        birth_date=dt.date(1990, 1, 1),
        email="quinn@patient.test",
    )
    user = User.objects.create_user(email=other.email, full_name="Quinn Other", password=PASSWORD)
    other.portal_user = user
    other.save(update_fields=["portal_user"])
    return user


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def alice_client(alice) -> Client:
    return client_for(alice.user)


@pytest.fixture
def admin_client_(admin) -> Client:
    return client_for(admin.user)


@pytest.fixture
def charlie_client(charlie) -> Client:
    return client_for(charlie.user)


@pytest.fixture
def patient_client(patient_user) -> Client:
    return client_for(patient_user)


def pytest_report_header(config):
    import os

    url = os.environ.get("DATABASE_URL", "")
    return f"ketacare database: {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}"


def treatment_started(
    patient, by: User, *, now, evaluation_days_ago: int, induction_days_ago: int
) -> None:
    """Move a patient into evaluation, then induction, that many days before `now`: the
    start of treatment that baseline and best score are counted from."""
    import datetime as dt

    from ketacare.patients.services import patient_phase_change

    for phase, days in (("evaluation", evaluation_days_ago), ("induction", induction_days_ago)):
        patient_phase_change(
            patient=patient, to_phase=phase, reason="r", by=by, now=now - dt.timedelta(days=days)
        )
