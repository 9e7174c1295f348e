"""Junk sent to every page, by every kind of visitor: a clear answer, never a server error.

The test client re-raises any exception a view lets escape, so a 500 fails here. Beside
plain junk, each page gets the inputs that broke things before: NUL bytes (PostgreSQL
cannot store them), digits that are not ASCII, numbers beyond any database integer,
deeply nested JSON, and datetimes at the very edges of the calendar with extreme offsets.
Run on SQLite and on PostgreSQL (`scripts/with-postgres.sh`): each fails differently.
"""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse

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


ARABIC_12 = "\u0661\u0662"  # "12" in Arabic-Indic digits: int() accepts it, URLs must not
HUGE = "9" * 5000  # beyond any database integer, and beyond Python's int() digit limit


def _every_field(value):
    """The junk keys, each set to `value` (lists stay lists)."""
    return {key: [value] if isinstance(old, list) else value for key, old in JUNK.items()}


# name -> (form/query values, clinic time zone or None)
HOSTILE = {
    "junk": (JUNK, None),
    "nul": ({**_every_field("a\x00b"), "\x00": "x"}, None),
    "non_ascii_digits": (_every_field(ARABIC_12), None),
    "huge_numbers": (_every_field(HUGE), None),
    "int64_overflow": (_every_field(str(2**63)), None),
    "huge_float": (_every_field("1e400"), None),
    # Year 1 at +14:00 is before datetime.min in UTC: the arithmetic used to overflow.
    "year_one_with_offset": (_every_field("0001-01-01T00:00:00+14:00"), None),
    "year_one_local_at_plus_14": (_every_field("0001-01-01T00:00"), "Pacific/Kiritimati"),
    "year_9999_with_offset": (_every_field("9999-12-31T23:59:59-14:00"), None),
    "year_9999_local_at_minus_11": (_every_field("9999-12-31T23:59"), "Pacific/Pago_Pago"),
}


@pytest.fixture
def visitors(alice, admin, patient_user, client):
    return {
        "staff": client_for(alice.user),
        "admin": client_for(admin.user),
        "patient": client_for(patient_user),
        "anonymous": client,
    }


def _open_checkin(objs):
    # An open check-in, so its secure link and portal pages take the junk, not a "closed" page.
    objs["checkin"].status = "sent"
    objs["checkin"].save(update_fields=["status"])


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_junk_to_every_page_never_gets_a_server_error(name, visitors, objs, clinic):
    _open_checkin(objs)
    url = _url(name, **objs)
    for kind, (data, time_zone) in HOSTILE.items():
        clinic.time_zone = time_zone or "America/Chicago"
        clinic.save(update_fields=["time_zone"])
        for who, c in visitors.items():
            for method in ("get", "post"):
                response = getattr(c, method)(url, data)
                assert response.status_code < 500, f"{kind}: {who} {method.upper()} {url}"
                if kind == "nul":
                    assert response.status_code == 400, f"NUL let through: {who} {method} {url}"


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_deep_json_and_raw_nul_bodies_to_every_page_are_refused_cleanly(name, visitors, objs):
    _open_checkin(objs)
    url = _url(name, **objs)
    bodies = {
        "application/json": "[" * 50_000 + "]" * 50_000,
        "application/x-www-form-urlencoded": "q=a\x00b&reason=\x00",
        "text/plain": "\x00" * 10,
    }
    for who, c in visitors.items():
        for content_type, body in bodies.items():
            response = c.post(url, body, content_type=content_type)
            assert response.status_code < 500, f"{who} {content_type} {url}"
        # A form field sent as multipart with a NUL in it is refused like an urlencoded one.
        assert c.post(url, {"reason": "a\x00b"}).status_code == 400, f"{who} multipart {url}"


SENTINEL = 987_654_321  # stands in for an id in a reversed URL, then is replaced


def _with_ids(name, objs, replacement):
    """The route's URL with every integer in its path replaced by `replacement`."""
    match = resolve(_url(name, **objs))
    kwargs = {k: SENTINEL if isinstance(v, int) else v for k, v in match.kwargs.items()}
    if kwargs == match.kwargs:
        return None
    return reverse(match.view_name, kwargs=kwargs).replace(str(SENTINEL), replacement)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_odd_ids_in_paths_are_not_found(name, visitors, objs):
    for replacement in (ARABIC_12, "\uff11", HUGE, str(2**63), str(2**64)):
        url = _with_ids(name, objs, replacement)
        if url is None:
            return  # no id in this route's path
        for who, c in visitors.items():
            for method in ("get", "post"):
                response = getattr(c, method)(url)
                assert response.status_code < 500, f"{who} {method.upper()} {url}"
                assert response.status_code != 200, f"{who} {method.upper()} {url}"


@pytest.mark.parametrize(
    "path",
    ["/c/a%00b/", "/c/a%00b/save/", "/portal/learn/a%00b/", "/patients/%00/", "/%00"],
)
def test_a_nul_in_the_path_is_refused(path, visitors, objs):
    for who, c in visitors.items():
        for method in ("get", "post"):
            response = getattr(c, method)(path)
            assert response.status_code in (400, 404), f"{who} {method.upper()} {path}"
