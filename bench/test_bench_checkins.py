"""Speed of the patient's check-in (open, save one answer, submit) and of FHIR export.

Run on purpose with `make bench`; results go to docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.test import Client
from django.utils import timezone

from ketacare.accounts.models import Clinic, Role, StaffMember, User
from ketacare.accounts.services import api_token_create
from ketacare.core import instruments
from ketacare.measures import services, worker
from ketacare.patients.models import Patient

_counter = itertools.count()


@pytest.fixture
def setup(db):
    clinic = Clinic.objects.create(name="Bench", slug=f"bench-{next(_counter)}")
    user = User.objects.create_user(email=f"b{next(_counter)}@bench.test", full_name="B")
    member = StaffMember.objects.create(user=user, clinic=clinic, roles=[Role.NURSE])
    patient = Patient.objects.create(
        clinic=clinic,
        mrn="B-1",
        given_name="P",
        family_name="Q",
        birth_date=dt.date(1980, 1, 1),
        email="p@bench.test",
    )
    return member, patient


def _open_link(patient):
    checkin = services.checkin_create(
        patient=patient, instruments_=["gad7", "phq9"], context="weekly", due_at=timezone.now()
    )
    token = services.link_issue(checkin, timezone.now())
    checkin.status = "sent"
    checkin.save(update_fields=["status"])
    return checkin, token


def test_open_a_check_in_link(benchmark, setup):
    _, patient = setup
    _, token = _open_link(patient)
    c = Client()
    assert benchmark(c.get, f"/c/{token}/").status_code == 200


def test_save_one_answer(benchmark, setup):
    _, patient = setup
    _, token = _open_link(patient)
    c = Client()
    response = benchmark(c.post, f"/c/{token}/save/", {"name": "gad7.1", "gad7.1": "2"})
    assert response.status_code == 200


def test_submit_a_complete_check_in(benchmark, setup):
    _, patient = setup

    def prepare():
        checkin, token = _open_link(patient)
        checkin.draft = {
            code: {i.code: 1 for i in instruments.get(code).items if i.required}
            for code in ("gad7", "phq9")
        }
        checkin.save(update_fields=["draft"])
        return (Client(), f"/c/{token}/"), {}

    result = benchmark.pedantic(lambda c, url: c.post(url), setup=prepare, rounds=30)
    assert result.status_code == 200


def test_worker_sends_100_due_check_ins(benchmark, setup):
    _, patient = setup

    def prepare():
        for _ in range(100):
            services.checkin_create(
                patient=patient,
                instruments_=["gad7"],
                context="weekly",
                due_at=timezone.now() - dt.timedelta(minutes=1),
            )
        return (), {}

    sent = benchmark.pedantic(
        lambda: worker.send_due(now=timezone.now(), worker="b"), setup=prepare, rounds=5
    )
    assert sent == 100


def _a_year_of_responses(setup):
    member, patient = setup
    now = timezone.now()
    for week in range(52):
        for code, n in (("gad7", 7), ("phq9", 9)):
            services.response_record(
                patient=patient,
                instrument=code,
                answers={str(i): 1 for i in range(1, n + 1)},
                context="weekly",
                source="link",
                collected_at=now - dt.timedelta(weeks=week),
            )
    return patient, api_token_create(member=member, name="b")[1]


def test_fhir_observation_search_52_weeks(benchmark, setup):
    """The whole year in one page (`_count=1000`), as the first version always returned."""
    patient, token = _a_year_of_responses(setup)
    response = benchmark(
        Client().get,
        f"/fhir/Observation?patient={patient.pk}&_count=1000",
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert response.status_code == 200 and body["total"] == len(body["entry"]) == 52 * 18


def test_fhir_observation_search_52_weeks_first_page(benchmark, setup):
    """The default page (100 of the 936) with total and a next link."""
    patient, token = _a_year_of_responses(setup)
    response = benchmark(
        Client().get,
        f"/fhir/Observation?patient={patient.pk}",
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert body["total"] == 52 * 18 and len(body["entry"]) == 100


def test_worker_round_with_nothing_to_schedule_2000_patients(benchmark, setup):
    """A worker round when every followed patient already has this period's check-in."""
    member, _ = setup
    Patient.objects.bulk_create(
        Patient(
            clinic=member.clinic,
            mrn=f"W-{i}",
            given_name="G",
            family_name=f"F{i}",
            birth_date=dt.date(1980, 1, 1),
            email=f"w{i}@bench.test",
            phase=["induction", "maintenance"][i % 2],
        )
        for i in range(2000)
    )
    now = timezone.now()
    assert worker.schedule_calendar(now=now) == 2000
    created = benchmark(worker.schedule_calendar, now=now)
    assert created == 0
