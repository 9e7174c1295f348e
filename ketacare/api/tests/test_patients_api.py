import pytest

from ketacare.accounts.services import api_token_create
from ketacare.audit.models import AccessAction, AccessEvent
from ketacare.patients.models import Patient

API = "/api/v1/patients"


@pytest.fixture
def token(alice):
    return api_token_create(member=alice, name="test")[1]


@pytest.fixture
def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def outsider_auth(charlie):
    return {"Authorization": f"Bearer {api_token_create(member=charlie, name='x')[1]}"}


NEW = {
    "given_name": "Ira",
    "family_name": "Stone",
    "birth_date": "1988-03-09",
    "email": "ira@patient.test",
}


@pytest.mark.parametrize(
    "header", [None, "Bearer nonsense", "Bearer kc_000000000000_wrong", "Basic abc"]
)
def test_it_refuses_requests_without_a_valid_token(client, db, header):
    headers = {"Authorization": header} if header else {}
    response = client.get(API, headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_token_of_a_departed_staff_member_stops_working(client, alice, auth):
    alice.is_active = False
    alice.save()
    assert client.get(API, headers=auth).status_code == 401


def test_it_lists_only_the_tokens_clinic_and_logs_each_read(
    client, auth, patient, charlie, other_clinic
):
    import datetime as dt

    from ketacare.patients import services

    services.patient_create(
        clinic=other_clinic,
        by=charlie.user,
        given_name="Hidden",
        family_name="Elsewhere",
        birth_date=dt.date(1990, 1, 1),
        email="h@x.test",
    )
    body = client.get(API, headers=auth).json()
    assert body["count"] == 1
    assert [p["mrn"] for p in body["items"]] == ["HB-1"]
    assert AccessEvent.objects.filter(action=AccessAction.API_READ, patient=patient).count() == 1


def test_it_filters_and_pages(client, auth, patient):
    assert client.get(API, {"phase": "referred"}, headers=auth).json()["count"] == 1
    assert client.get(API, {"phase": "induction"}, headers=auth).json()["count"] == 0
    assert client.get(API, {"q": "example"}, headers=auth).json()["count"] == 1
    response = client.get(API, {"limit": 0}, headers=auth)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


def test_it_gets_one_patient_with_the_care_team(client, auth, patient, bob, alice):
    from ketacare.patients import services

    services.care_team_add(patient=patient, staff_member=bob, role="nurse", by=alice.user)
    body = client.get(f"{API}/{patient.pk}", headers=auth).json()
    assert body["mrn"] == "HB-1"
    assert body["care_team"] == [{"staff_member_id": bob.pk, "name": "Bob Nurse", "role": "nurse"}]
    assert AccessEvent.objects.filter(action=AccessAction.API_READ).count() == 1


def test_an_outsider_token_gets_404_for_our_patient(client, outsider_auth, patient):
    assert client.get(f"{API}/{patient.pk}", headers=outsider_auth).status_code == 404
    response = client.patch(
        f"{API}/{patient.pk}",
        {"phone": "1"},
        content_type="application/json",
        headers=outsider_auth,
    )
    assert response.status_code == 404
    assert client.get(API, headers=outsider_auth).json()["count"] == 0
    patient.refresh_from_db()
    assert patient.phone == "+13125550199"


def test_a_token_acts_for_its_own_clinic_only(client, alice, patient, other_clinic):
    from ketacare.accounts.models import StaffMember

    second = StaffMember.objects.create(user=alice.user, clinic=other_clinic, roles=["nurse"])
    other_token = api_token_create(member=second, name="northside")[1]
    response = client.get(f"{API}/{patient.pk}", headers={"Authorization": f"Bearer {other_token}"})
    assert response.status_code == 404


def test_it_creates_a_patient(client, auth, alice):
    response = client.post(API, NEW, content_type="application/json", headers=auth)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mrn"] == "HB-000001" and body["phase"] == "referred"
    patient = Patient.objects.get(pk=body["id"])
    assert patient.history.first().history_user == alice.user


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**NEW, "birth_date": "not a date"}, "birth_date"),
        ({k: v for k, v in NEW.items() if k != "given_name"}, "given_name"),
        ({**NEW, "email": "nope"}, "email"),
        ({**NEW, "birth_date": "2999-01-01"}, "birth_date"),
        ({**NEW, "sex_at_birth": "robot"}, "sex_at_birth"),
        ({**NEW, "phase": "holiday"}, "phase"),
        ({**NEW, "given_name": "x" * 101}, "given_name"),
    ],
)
def test_invalid_fields_get_422_with_the_field_named(client, auth, payload, field):
    response = client.post(API, payload, content_type="application/json", headers=auth)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Patient.objects.exists()


def test_a_duplicate_mrn_is_refused_with_the_field_named(client, auth, patient):
    response = client.post(
        API, {**NEW, "mrn": "HB-1"}, content_type="application/json", headers=auth
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "mrn", "message": "Another patient at this clinic already has this MRN."}
    ]


def test_malformed_json_is_a_400_not_a_500(client, auth):
    response = client.post(API, "{not json", content_type="application/json", headers=auth)
    assert response.status_code == 400
    assert "detail" in response.json()


def test_it_updates_a_patient_with_a_reason_in_history(client, auth, patient, alice):
    response = client.patch(
        f"{API}/{patient.pk}",
        {"phone": "(312) 555-0177", "reason": "patient called"},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "+13125550177"
    record = patient.history.first()
    assert (record.history_user, record.history_change_reason) == (alice.user, "patient called")


def test_an_update_that_breaks_a_rule_is_refused(client, auth, patient):
    response = client.patch(
        f"{API}/{patient.pk}", {"email": ""}, content_type="application/json", headers=auth
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "email"
    patient.refresh_from_db()
    assert patient.email == "pat@patient.test"


def test_an_unknown_patient_is_404(client, auth):
    assert client.get(f"{API}/424242", headers=auth).status_code == 404


def test_the_openapi_document_is_published(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "ketacare API"
    assert "/api/v1/patients" in spec["paths"]


@pytest.mark.parametrize("body", ["[]", '"x"', "null", '{"given_name": 5}', '{"birth_date": []}'])
def test_odd_json_bodies_get_a_4xx_json_answer(client, auth, body):
    response = client.post(API, body, content_type="application/json", headers=auth)
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()
    assert not Patient.objects.exists()


@pytest.mark.parametrize("patch", ['{"mrn": ""}', '{"preferred_contact": "pigeon"}', "[1]"])
def test_odd_patches_are_refused_and_change_nothing(client, auth, patient, patch):
    response = client.patch(
        f"{API}/{patient.pk}", patch, content_type="application/json", headers=auth
    )
    assert 400 <= response.status_code < 500
    patient.refresh_from_db()
    assert (patient.mrn, patient.preferred_contact) == ("HB-1", "email")


def test_an_absurd_offset_is_a_422_not_a_500(client, auth, patient):
    # Found by the schemathesis fuzzer: 2**63 overflowed SQLite's integer.
    response = client.get(API, {"offset": 2**63}, headers=auth)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "offset"


# --- hostile input: every refusal is a 4xx JSON error, never a 500 -----------------------


def _json_error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"] and isinstance(body["errors"], list)
    return body


@pytest.mark.parametrize(
    "raw_id",
    [
        "\u0661\u0662",  # Arabic-Indic "12"
        "\uff11",  # full-width "1"
        "1_0",
        "+1",
        "1.0",
        "%201",
        "0x1",
        "-1",
        "0",
        str(2**63),
        "9" * 40,
        "9" * 5000,
    ],
)
def test_a_patient_id_that_is_not_plain_ascii_digits_in_range_is_a_4xx(
    client, auth, patient, raw_id
):
    for method in ("get", "patch"):
        response = getattr(client, method)(
            f"{API}/{raw_id}", {}, content_type="application/json", headers=auth
        )
        assert response.status_code in (404, 422), (method, raw_id, response.content[:200])
        assert response.json()["detail"]
    response = client.get(f"{API}/{raw_id}/responses", headers=auth)
    assert response.status_code in (404, 422)


def test_a_patient_id_in_non_ascii_digits_never_reaches_the_patient(client, auth, patient):
    arabic = "".join(chr(0x0660 + int(d)) for d in str(patient.pk))
    assert client.get(f"{API}/{arabic}", headers=auth).status_code in (404, 422)


@pytest.mark.parametrize("query", ["q=%00", "q=a%00b", "phase=%00", "%00=1", "limit=1%00"])
def test_a_nul_byte_in_the_query_string_is_a_400_json(client, auth, patient, query):
    body = _json_error(client.get(f"{API}?{query}", headers=auth), 400)
    assert "NUL" in body["detail"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"given_name": "A\\u0000", "family_name": "B", "birth_date": "1990-01-01"}',
        b'{"given_name": "A\x00", "family_name": "B", "birth_date": "1990-01-01"}',
        b'{"given_name\\u0000": "A", "family_name": "B", "birth_date": "1990-01-01"}',
    ],
)
def test_a_nul_character_in_a_json_body_is_a_400_and_stores_nothing(client, auth, body):
    answer = _json_error(client.post(API, body, content_type="application/json", headers=auth), 400)
    assert "NUL" in answer["detail"]
    assert not Patient.objects.exists()


def test_a_nul_in_a_form_encoded_body_to_the_api_is_a_400_json(client, auth, patient):
    response = client.generic(
        "PATCH",
        f"{API}/{patient.pk}",
        "given_name=A%00",
        content_type="application/x-www-form-urlencoded",
        headers=auth,
    )
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]
    patient.refresh_from_db()
    assert patient.given_name == "Pat"


def test_very_deep_json_is_a_400_saying_so(client, auth):
    body = "[" * 100_000 + "]" * 100_000
    answer = _json_error(client.post(API, body, content_type="application/json", headers=auth), 400)
    assert "nested" in answer["detail"]


@pytest.mark.parametrize(
    "birth_date", ["1" + "0" * 5000, "1e400", "-1e400", "99999999999999999999999999"]
)
def test_huge_numbers_in_a_body_are_a_4xx(client, auth, birth_date):
    body = '{"given_name": "A", "family_name": "B", "birth_date": ' + birth_date + "}"
    response = client.post(API, body, content_type="application/json", headers=auth)
    assert response.status_code in (400, 422)
    assert response.json()["detail"]
    assert not Patient.objects.exists()


@pytest.mark.parametrize("method", ["POST", "PATCH"])
@pytest.mark.parametrize("size", [1_100_000, 3_000_000])
def test_an_oversized_body_is_a_413_json(client, auth, patient, size, method):
    # Over loads_bounded's limit (1 MB), and over Django's own (2.5 MB), which POST meets
    # at the edge and PATCH inside the API.
    url = API if method == "POST" else f"{API}/{patient.pk}"
    body = '{"given_name": "' + "x" * size + '"}'
    response = client.generic(method, url, body, content_type="application/json", headers=auth)
    assert "large" in _json_error(response, 413)["detail"]
    patient.refresh_from_db()
    assert patient.given_name == "Pat"


def test_too_many_query_fields_is_a_400_json(client, auth):
    query = "&".join(f"f{i}=1" for i in range(2000))
    _json_error(client.get(f"{API}?{query}", headers=auth), 400)


@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_form_body_instead_of_json_is_a_4xx_json(client, auth, patient, method):
    url = API if method == "post" else f"{API}/{patient.pk}"
    for content_type in (
        "multipart/form-data; boundary=BoUnDaRy",
        "application/x-www-form-urlencoded",
    ):
        body = (
            '--BoUnDaRy\r\nContent-Disposition: form-data; name="given_name"\r\n\r\nA\r\n'
            "--BoUnDaRy--\r\n"
            if content_type.startswith("multipart")
            else "given_name=A"
        )
        response = getattr(client, method)(url, body, content_type=content_type, headers=auth)
        assert 400 <= response.status_code < 500, (content_type, response.content[:200])
        assert response.json()["detail"]
    patient.refresh_from_db()
    assert patient.given_name == "Pat"


def test_a_birth_date_under_the_clinics_minimum_age_is_refused_in_the_api(client, auth, clinic):
    import datetime as dt

    from django.utils import timezone

    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(
        API, {**NEW, "birth_date": yesterday}, content_type="application/json", headers=auth
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any(e["field"] == "birth_date" and "aged 18 or over" in e["message"] for e in errors)
    assert not Patient.objects.exists()
