"""Speed of the pages a coordinator uses all day, on a clinic of 2,000 patients.

Run on purpose with `make bench`; results are copied to docs/benchmarks.md with the date
and the machine. Never part of `make test`.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.test import Client

from ketacare.accounts.models import Clinic, Role, StaffMember, User
from ketacare.accounts.services import api_token_create
from ketacare.alerts.models import Alert
from ketacare.core import instruments
from ketacare.core.phases import Phase, check_move
from ketacare.measures.models import CheckIn, Response
from ketacare.patients.models import CareTeamMember, Patient, PhaseChange

N = 2000


@pytest.fixture(scope="module")
def clinic_data(django_db_setup, django_db_blocker):
    rng = random.Random(1)
    with django_db_blocker.unblock():
        clinic = Clinic.objects.create(name="Bench", slug="bench")
        user = User.objects.create_user(email="b@bench.test", full_name="Bench", password="x")
        member = StaffMember.objects.create(user=user, clinic=clinic, roles=[Role.PRESCRIBER])
        Patient.objects.bulk_create(
            Patient(
                clinic=clinic,
                mrn=f"B-{i:06d}",
                given_name=f"G{i}",
                family_name=f"F{i:05d}",
                birth_date=dt.date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
                email=f"p{i}@bench.test",
                phase=rng.choice(list(Phase)).value,
            )
            for i in range(N)
        )
        now = dt.datetime.now(dt.UTC)
        CareTeamMember.objects.bulk_create(
            CareTeamMember(patient=p, staff_member=member, role="prescriber", started_at=now)
            for p in Patient.objects.filter(clinic=clinic)
        )
        _scores_alerts_and_checkins(clinic, user, rng, now)
        token = api_token_create(member=member, name="bench")[1]
        first = Patient.objects.filter(clinic=clinic).first()
        yield user, token, first
        # the module's data stays in the test database, which is dropped at the end


WEEKS = 12  # of weekly GAD-7 + PHQ-9 per patient: 48,000 scored responses in all


def _scores_alerts_and_checkins(clinic, user, rng, now):
    """What a triage list reads: treatment starts, a quarter-year of weekly GAD-7 and PHQ-9,
    open alerts on about 1 patient in 10 (1 in 50 urgent), past and next check-ins."""
    patients = list(Patient.objects.filter(clinic=clinic))
    start = now - dt.timedelta(weeks=WEEKS)
    PhaseChange.objects.bulk_create(
        PhaseChange(
            patient=p,
            from_phase="evaluation",
            to_phase="induction",
            reason="bench",
            changed_by=user,
            changed_at=start + dt.timedelta(days=3),
        )
        for p in patients
    )
    responses = []
    for p in patients:
        level = rng.randrange(0, 3)
        for week in range(WEEKS):
            for code in ("gad7", "phq9"):
                definition = instruments.get(code)
                total = max(
                    0, min(definition.max_total, 14 - week + level * 2 + rng.randrange(-3, 4))
                )
                responses.append(
                    Response(
                        patient=p,
                        instrument=code,
                        version="1",
                        answers={},
                        total=total,
                        band=definition.band_for(total) or "",
                        context="weekly",
                        source="link",
                        collected_at=start + dt.timedelta(weeks=week, hours=rng.randrange(0, 48)),
                    )
                )
    Response.objects.bulk_create(responses, batch_size=2000)
    Alert.objects.bulk_create(
        Alert(
            patient=p,
            kind="bench",
            severity="urgent" if i % 50 == 0 else "warning",
            title="Bench alert",
            triggered_at=now - dt.timedelta(days=i % 7),
        )
        for i, p in enumerate(patients)
        if i % 10 == 0
    )
    checkins = []
    for i, p in enumerate(patients):
        due_past = now - dt.timedelta(days=3)
        checkins.append(
            CheckIn(
                patient=p,
                instruments=["gad7", "phq9"],
                context="weekly",
                due_at=due_past,
                expires_at=due_past + dt.timedelta(hours=72),
                status="missed" if i % 7 == 0 else "submitted",
            )
        )
        due_next = now + dt.timedelta(days=1 + i % 7)
        checkins.append(
            CheckIn(
                patient=p,
                instruments=["gad7", "phq9"],
                context="weekly",
                due_at=due_next,
                expires_at=due_next + dt.timedelta(hours=72),
            )
        )
    CheckIn.objects.bulk_create(checkins, batch_size=2000)


def _client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_patient_list_page(benchmark, clinic_data):
    user, _, _ = clinic_data
    c = _client(user)
    response = benchmark(c.get, "/patients/")
    assert response.status_code == 200


@pytest.mark.django_db
def test_patient_list_needs_attention(benchmark, clinic_data):
    """The coordinator's default: every patient's triage tier computed to sort the page."""
    user, _, _ = clinic_data
    c = _client(user)
    response = benchmark(c.get, "/patients/", {"sort": "attention"})
    assert response.status_code == 200
    assert response.context["page"][0].attention == 0  # an urgent alert comes first


@pytest.mark.django_db
def test_patient_list_search(benchmark, clinic_data):
    user, _, _ = clinic_data
    c = _client(user)
    response = benchmark(c.get, "/patients/", {"q": "F0123", "phase": "induction"})
    assert response.status_code == 200


@pytest.mark.django_db
def test_patient_chart_page(benchmark, clinic_data):
    user, _, first = clinic_data
    c = _client(user)
    response = benchmark(c.get, f"/patients/{first.pk}/")
    assert response.status_code == 200


@pytest.mark.django_db
def test_api_patient_list_50(benchmark, clinic_data):
    _, token, _ = clinic_data
    c = Client()
    response = benchmark(
        c.get, "/api/v1/patients", {"limit": 50}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


def test_core_phase_check(benchmark):
    benchmark(check_move, "induction", "maintenance", reason="response")
