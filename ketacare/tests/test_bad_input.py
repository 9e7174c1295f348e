"""Junk sent to every page, by every kind of visitor: a clear answer, never a server error.

The test client re-raises any exception a view lets escape, so a 500 fails here. Beside
plain junk, each page gets the inputs that broke things before: NUL bytes (PostgreSQL
cannot store them), digits that are not ASCII, numbers beyond any database integer,
deeply nested JSON, and datetimes at the very edges of the calendar with extreme offsets.
Run on SQLite and on PostgreSQL (`scripts/with-postgres.sh`): each fails differently.
"""

from __future__ import annotations

import datetime as dt

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
    url = _url(name, objs)
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
    url = _url(name, objs)
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
    match = resolve(_url(name, objs))
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


# --- what the refusals say ----------------------------------------------------------------


def test_a_nul_on_a_page_gets_the_error_page_saying_why(visitors):
    response = visitors["staff"].get("/patients/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert b"NUL character" in response.content
    assert response["Content-Type"].startswith("text/html")


def test_a_nul_on_fhir_gets_an_operation_outcome(visitors):
    response = visitors["anonymous"].get("/fhir/metadata", {"_format": "json\x00"})
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["_format"]


def test_an_oversized_form_is_a_413_page(visitors, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = visitors["staff"].post("/patients/new/", {"given_name": "x" * 2000})
    assert response.status_code == 413
    assert b"too large" in response.content


GAD7_ALL_ONES = {f"item_{i}": "1" for i in range(1, 8)}


@pytest.mark.parametrize(
    ("time_zone", "collected_at", "says"),
    [
        ("America/Chicago", "0001-01-01T00:00:00+14:00", "This is before 1901; check the year."),
        ("Pacific/Kiritimati", "0001-01-01T00:00", "This is before 1901; check the year."),
        ("Pacific/Pago_Pago", "9999-12-31T23:59", "This is in the future."),
        ("America/Chicago", "9999-12-31T23:59:59-14:00", "This is in the future."),
        ("America/Chicago", "1985-04-01T12:00", "This is before the patient's date of birth."),
    ],
)
def test_the_staff_form_puts_the_shared_time_rule_beside_the_field(
    alice, patient, clinic, time_zone, collected_at, says
):
    from ketacare.core.clinical_time import clinical_time_problem
    from ketacare.measures.models import Response

    clinic.time_zone = time_zone
    clinic.save(update_fields=["time_zone"])
    url = f"/patients/{patient.pk}/scores/new/gad7/"
    data = {"context": "ad_hoc", "collected_at": collected_at, **GAD7_ALL_ONES}
    response = client_for(alice.user).post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["collected_at"] == [says]
    assert not Response.objects.exists()
    # The words are the shared rule's own, as on the JSON API.
    assert says in {
        clinical_time_problem(w, now=dt.datetime.now(dt.UTC), born=patient.birth_date)
        for w in (
            dt.datetime(1, 1, 1, tzinfo=dt.UTC),
            dt.datetime(9999, 1, 1, tzinfo=dt.UTC),
            dt.datetime(1985, 4, 1, tzinfo=dt.UTC),
        )
    }


@pytest.mark.parametrize("path", ["/patients/new/", "/api/v1/patients", "/fhir/metadata"])
def test_a_broken_multipart_body_is_a_400_in_the_callers_form(visitors, path):
    response = visitors["staff"].post(
        path, "--x\r\nnonsense", content_type="multipart/form-data; boundary=\x01\x02"
    )
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.json()["detail"] == "The request could not be read."
