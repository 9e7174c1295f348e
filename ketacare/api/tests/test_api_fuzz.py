"""Property-based fuzzing of the JSON API from its own OpenAPI document (schemathesis):
whatever a client sends, the answer is never a server error.

Runs on SQLite and, in `make test-postgres`, on PostgreSQL, where a NUL character in
text is a database error. Strings are drawn from all of UTF-8 with NUL allowed (said
here, not left to a default), and every generated case is also sent again with a NUL in
each of its strings, so NUL reaches every parameter of every operation on every run
rather than when the generator happens to draw one.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from ketacare.wsgi import application

# Only the schema is read through the WSGI app; requests go through Django's test client.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.generation.update(allow_x00=True, codec="utf-8")


def _with_nul(value):
    """`value` with a NUL inside every string in it (keys included)."""
    if isinstance(value, str):
        return value[:1] + "\x00" + value[1:]
    if isinstance(value, dict):
        return {_with_nul(k): _with_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_nul(v) for v in value]
    return value


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

    def send(query, body_data):
        path = case.formatted_path
        if query:
            path += "?" + urlencode(query, doseq=True)
        body = "" if body_data is None else json.dumps(body_data, default=str)
        response = Client().generic(
            case.method, path, data=body, content_type="application/json", headers=api_headers
        )
        assert response.status_code < 500, (
            f"{case.method} {path} {body[:200]}: {response.content[:300]!r}"
        )
        return response

    sent = (case.query, None if case.method == "GET" else case.body)
    send(*sent)
    tainted = (_with_nul(sent[0]), _with_nul(sent[1]))
    answer = send(*tainted)
    if tainted != sent:  # a NUL went in: refused, never stored
        assert 400 <= answer.status_code < 500, answer.content[:300]
