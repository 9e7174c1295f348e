"""Property-based fuzzing of the JSON API from its own OpenAPI document (schemathesis):
whatever a client sends, the answer is never a server error."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from ketacare.wsgi import application

# Only the schema is read through the WSGI app; requests go through Django's test client.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def api_headers(db):
    from ketacare.accounts.models import Clinic, Role, StaffMember, User
    from ketacare.accounts.services import api_token_create
    from ketacare.patients import services

    clinic = Clinic.objects.create(name="Fuzz", slug="fuzz")
    user = User.objects.create_user(email="fuzz@fuzz.test", full_name="F")
    member = StaffMember.objects.create(user=user, clinic=clinic, roles=[Role.PRESCRIBER])
    for n in (1, 2, 3):  # small ids, so generated paths sometimes hit a real patient
        services.patient_create(
            clinic=clinic,
            by=user,
            given_name="F",
            family_name=f"Z{n}",
            birth_date=dt.date(1990, 1, n),
            email=f"f{n}@fuzz.test",
        )
    return {"Authorization": f"Bearer {api_token_create(member=member, name='fuzz')[1]}"}


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_never_answers_with_a_server_error(case, api_headers):
    # Through Django's test client (not the raw WSGI app), so the test's database
    # connection and transaction stay as they are between generated requests.
    from urllib.parse import urlencode

    from django.test import Client

    path = case.formatted_path
    if case.query:
        path += "?" + urlencode(case.query, doseq=True)
    body = "" if case.body is None or case.method == "GET" else json.dumps(case.body, default=str)
    response = Client().generic(
        case.method, path, data=body, content_type="application/json", headers=api_headers
    )
    assert response.status_code < 500, (
        f"{case.method} {path} {body[:200]}: {response.content[:300]!r}"
    )
