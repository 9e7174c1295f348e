"""Junk sent to every page, by every kind of visitor: a clear answer, never a server error.

The test client re-raises any exception a view lets escape, so a 500 fails here.
"""

from __future__ import annotations

import pytest

from ketacare.conftest import client_for
from ketacare.tests.test_access_matrix import ROUTES, _url

JUNK = {
    "q": "\x00' OR 1=1 --",
    "page": "-1",
    "sort": "nope",
    "phase": "holiday",
    "team_member": "x",
    "to_phase": "zzz",
    "reason": "r" * 5000,
    "staff_member": "999999",
    "role": "captain",
    "given_name": "",
    "birth_date": "31/02/1990",
    "mrn": "x" * 100,
    "email": "not-mail",
    "preferred_contact": "pigeon",
    "roles": ["root"],
    "time_zone": "Mars/Base",
    "open_days": ["9"],
    "name": "",
    "code": "abc",
    "next": "https://evil.test/",
    "clinic": "nan",
    "context": "never",
    "collected_at": "yesterday",
    "item_1": "7",
    "gad7.1": "9",
    "name.x": "1",
    "calendar_instruments": ["hama"],
    "interval_induction": "-5",
    "after_dose": "maybe",
    "dosed_at": "soon",
    "window_hours": "0",
    "reminder_hours": "999",
    "token": "..",
    "new_password1": "a",
    "new_password2": "b",
    "username": "x",
    "password": "",
}


@pytest.fixture
def visitors(alice, admin, patient_user, client):
    return {
        "staff": client_for(alice.user),
        "admin": client_for(admin.user),
        "patient": client_for(patient_user),
        "anonymous": client,
    }


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_junk_to_every_page_never_gets_a_server_error(name, visitors, objs):
    # An open check-in, so its secure link and portal pages take the junk, not a "closed" page.
    objs["checkin"].status = "sent"
    objs["checkin"].save(update_fields=["status"])
    url = _url(name, objs)
    for who, c in visitors.items():
        for method in ("get", "post"):
            response = getattr(c, method)(url, JUNK)
            assert response.status_code < 500, f"{who} {method.upper()} {url}"
