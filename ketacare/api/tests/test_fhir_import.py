"""FHIR import, strict and open: the official US Core PHQ-9 example imports; ambiguous or
ill-typed answers, bad times and unknown items are refused saying where; a retried create is
stored once and alerts once; searches page with _count; no input gives a 500."""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketacare.accounts.services import api_token_create
from ketacare.alerts.models import Alert
from ketacare.measures import services
from ketacare.measures.models import Response

FIXTURE = Path(__file__).parent / "fixtures" / "us-core-QuestionnaireResponse-phq-9-example.json"
LOINC = "http://loinc.org"
LA = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}
PHQ_ITEMS = [
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
]


@pytest.fixture
def auth(alice):
    return {"Authorization": f"Bearer {api_token_create(member=alice, name='fhir')[1]}"}


def us_core_example(patient_id):
    """The HL7 example, unchanged but for its subject, which must be one of our patients."""
    body = json.loads(FIXTURE.read_text())
    body["subject"] = {"reference": f"Patient/{patient_id}"}
    return body


def phq9_qr(patient_id, values=(0,) * 9, **extra):
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "http://example.org/fhir/Questionnaire/phq9",
        "subject": {"reference": f"Patient/{patient_id}"},
        "authored": "2026-10-30T09:15:00-05:00",
        "item": [
            {"linkId": code, "answer": [{"valueCoding": {"system": LOINC, "code": LA[v]}}]}
            for code, v in zip(PHQ_ITEMS, values, strict=True)
        ],
        **extra,
    }


def post(client, body, auth, **headers):
    return client.post(
        "/fhir/QuestionnaireResponse",
        body if isinstance(body, bytes | str) else json.dumps(body),
        content_type="application/fhir+json",
        headers={**auth, **headers},
    )


def refused(response, status=422):
    assert response.status_code == status, response.content
    outcome = response.json()
    OperationOutcome.model_validate(outcome)
    return outcome["issue"][0]


# --- open: the official example ---------------------------------------------------------------


def test_the_us_core_phq9_example_imports_with_total_12(client, auth, patient):
    response = post(client, us_core_example(patient.pk), auth)
    assert response.status_code == 201, response.content
    stored = Response.objects.get()
    assert (stored.instrument, stored.total, stored.band) == ("phq9", 12, "Moderate")
    assert stored.answers["difficulty"] == 1  # LA6573-5 "Somewhat difficult"
    assert stored.answers["9"] == 0
    assert stored.collected_at == dt.datetime(2022, 11, 29, 20, 50, 32, 718000, tzinfo=dt.UTC)
    assert not Alert.objects.exists()
    QuestionnaireResponse.model_validate(response.json())


@pytest.mark.parametrize("link", ["44260-8", "/44260-8", "/44249-1/44260-8"])
def test_link_ids_with_or_without_a_leading_slash(client, auth, patient, link):
    body = phq9_qr(patient.pk, values=(0,) * 8 + (2,))
    body["item"][8]["linkId"] = link
    assert post(client, body, auth).status_code == 201
    assert Alert.objects.get().kind == "phq9_item9"


@pytest.mark.parametrize(
    ("code", "value"), [("LA6572-7", 0), ("LA6573-5", 1), ("LA6575-0", 2), ("LA6574-3", 3)]
)
def test_the_difficulty_item_takes_its_loinc_answers(client, auth, patient, code, value):
    body = phq9_qr(patient.pk)
    body["item"].append(
        {"linkId": "/69722-7", "answer": [{"valueCoding": {"system": LOINC, "code": code}}]}
    )
    assert post(client, body, auth).status_code == 201
    assert Response.objects.get().answers["difficulty"] == value


def test_the_instrument_is_recognised_by_item_codes_whatever_the_canonical(client, auth, patient):
    body = phq9_qr(patient.pk, values=(1,) * 9)
    body["questionnaire"] = "https://forms.example.org/Questionnaire/depression-screen|3"
    assert post(client, body, auth).status_code == 201
    assert Response.objects.get().instrument == "phq9"


def test_a_response_nobody_can_recognise_is_refused(client, auth, patient):
    body = phq9_qr(patient.pk)
    body["questionnaire"] = "https://forms.example.org/Questionnaire/other"
    for item in body["item"]:
        item["linkId"] = "q" + item["linkId"]
    issue = refused(post(client, body, auth))
    assert issue["expression"] == ["QuestionnaireResponse.questionnaire"]


# --- strict: what it refuses, and where -------------------------------------------------------


def _two_answers_to_item_9(body):
    body["item"][8]["answer"] = [
        {"valueCoding": {"system": LOINC, "code": "LA6568-5"}},  # not at all
        {"valueCoding": {"system": LOINC, "code": "LA6570-1"}},  # more than half the days
    ]


def _item_9_twice(body):
    body["item"].append(
        {"linkId": "/44260-8", "answer": [{"valueCoding": {"system": LOINC, "code": "LA6570-1"}}]}
    )


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (_two_answers_to_item_9, "QuestionnaireResponse.item[8].answer[1]"),
        (_item_9_twice, "QuestionnaireResponse.item[9]"),
        (
            lambda b: b["item"][0].update(answer=[{"valueInteger": True}]),
            "QuestionnaireResponse.item[0].answer[0].valueInteger",
        ),
        (
            lambda b: b["item"][0].update(answer=[{"valueInteger": 4}]),
            "QuestionnaireResponse.item[0].answer[0].valueInteger",
        ),
        (
            lambda b: b["item"][0].update(answer=[{"valueInteger": -1}]),
            "QuestionnaireResponse.item[0].answer[0].valueInteger",
        ),
        (
            lambda b: b["item"][0].update(answer=[{"valueString": "2"}]),
            "QuestionnaireResponse.item[0].answer[0]",
        ),
        (
            lambda b: b["item"][0].update(answer=[{"valueDecimal": 2.0}]),
            "QuestionnaireResponse.item[0].answer[0]",
        ),
        (
            lambda b: b["item"][0]["answer"][0]["valueCoding"].update(
                system="http://snomed.info/sct"
            ),
            "QuestionnaireResponse.item[0].answer[0].valueCoding",
        ),
        (
            lambda b: b["item"].append({"linkId": "12345-6", "answer": [{"valueInteger": 1}]}),
            "QuestionnaireResponse.item[9].linkId",
        ),
        (
            lambda b: b["item"].append({"linkId": "/other/44250-9"}),
            "QuestionnaireResponse.item[9].linkId",
        ),
        (
            lambda b: b["item"][0]["answer"][0].update(
                item=[{"linkId": "x", "answer": [{"valueInteger": 1}]}]
            ),
            "QuestionnaireResponse.item[0].answer[0].item[0].linkId",
        ),
        (lambda b: b.update(authored="2026-10-30T09:15:00"), "QuestionnaireResponse.authored"),
        (lambda b: b["item"].pop(8), "QuestionnaireResponse.item.where(linkId='44260-8')"),
    ],
    ids=[
        "two-answers",
        "item-twice",
        "bool-is-not-int",
        "above-range",
        "below-range",
        "string",
        "decimal",
        "other-code-system",
        "unknown-item",
        "unknown-group",
        "nested-unknown",
        "naive-time",
        "missing-item-9",
    ],
)
def test_refused_saying_where_and_nothing_stored(client, auth, patient, mutate, where):
    body = phq9_qr(patient.pk)
    mutate(body)
    issue = refused(post(client, body, auth))
    assert issue["expression"] == [where], issue
    assert not Response.objects.exists()
    assert not Alert.objects.exists()


def test_item_9_answered_not_at_all_and_more_than_half_the_days_is_refused(client, auth, patient):
    """Keeping either answer would be a guess; keeping 'not at all' would hide a risk."""
    body = phq9_qr(patient.pk)
    _two_answers_to_item_9(body)
    issue = refused(post(client, body, auth))
    assert "2 answers" in issue["diagnostics"]
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "authored",
    [
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:00:00-14:00",
        "1899-12-31T23:59:59Z",
        "1980-01-01T00:00:00Z",  # before the patient was born (1985)
        "9999-12-31T23:59:59-14:00",
        "2999-01-01T00:00:00Z",
    ],
)
def test_times_outside_sane_limits_are_refused_at_authored(client, auth, patient, authored):
    issue = refused(post(client, phq9_qr(patient.pk, authored=authored), auth))
    assert issue["expression"] == ["QuestionnaireResponse.authored"]
    assert not Response.objects.exists()


def test_a_time_in_the_future_beyond_clock_skew_is_refused_and_within_it_accepted(
    client, auth, patient
):
    late = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    issue = refused(post(client, phq9_qr(patient.pk, authored=late), auth))
    assert issue["expression"] == ["QuestionnaireResponse.authored"]
    skew = (timezone.now() + dt.timedelta(minutes=1)).isoformat()
    assert post(client, phq9_qr(patient.pk, authored=skew), auth).status_code == 201


def test_response_record_applies_the_shared_time_rule(patient):
    """One rule for every door: the service itself refuses, not only the FHIR view."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.response_record(
            patient=patient,
            instrument="gad7",
            answers={str(i): 0 for i in range(1, 8)},
            context="ad_hoc",
            source="staff",
            collected_at=timezone.now() + dt.timedelta(days=3),
        )
    assert "collected_at" in exc.value.message_dict
    assert not Response.objects.exists()


# --- idempotent creation ----------------------------------------------------------------------

IDENTIFIER = {"system": "urn:example:ehr", "value": "qr-2026-0042"}


def test_a_retried_post_with_the_same_identifier_is_stored_once_and_alerts_once(
    client, auth, patient
):
    body = phq9_qr(patient.pk, values=(0,) * 8 + (2,), identifier=IDENTIFIER)
    first = post(client, body, auth)
    again = post(client, body, auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first["Location"] == again["Location"]
    assert first.json() == again.json()
    assert Response.objects.count() == 1
    assert Alert.objects.count() == 1


def test_a_different_response_under_a_used_identifier_is_a_conflict(client, auth, patient):
    assert post(client, phq9_qr(patient.pk, identifier=IDENTIFIER), auth).status_code == 201
    changed = phq9_qr(patient.pk, values=(1,) * 9, identifier=IDENTIFIER)
    issue = refused(post(client, changed, auth), 409)
    assert issue["expression"] == ["QuestionnaireResponse.identifier"]
    assert Response.objects.get().total == 0


def test_the_same_identifier_for_another_patient_is_not_shared(client, auth, patient, clinic):
    from ketacare.patients.models import Patient

    other = Patient.objects.create(
        clinic=clinic, mrn="HB-2", given_name="O", family_name="P", birth_date=dt.date(1990, 1, 1)
    )
    assert post(client, phq9_qr(patient.pk, identifier=IDENTIFIER), auth).status_code == 201
    assert post(client, phq9_qr(other.pk, identifier=IDENTIFIER), auth).status_code == 201
    assert Response.objects.count() == 2


def test_conditional_create_with_if_none_exist(client, auth, patient):
    """FHIR conditional create: no match creates (201), one match returns it (200)."""
    body = us_core_example(patient.pk)  # it has no identifier of its own
    condition = {"If-None-Exist": "identifier=urn:example:ehr|phq-9-example"}
    first = post(client, body, auth, **condition)
    again = post(client, body, auth, **condition)
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert Response.objects.count() == 1
    stored = Response.objects.get()
    assert stored.external_id == "urn:example:ehr|phq-9-example"
    # a bare value matches whatever the system
    assert (
        post(client, body, auth, **{"If-None-Exist": "identifier=phq-9-example"}).status_code == 200
    )
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    "condition",
    [
        "patient=1",
        "identifier=a&identifier=b",
        "identifier=urn:x|",
        "identifier=urn:other|qr-2026-0042",
    ],
)
def test_a_condition_we_cannot_honour_is_a_400(client, auth, patient, condition):
    body = phq9_qr(patient.pk, identifier=IDENTIFIER)
    issue = refused(post(client, body, auth, **{"If-None-Exist": condition}), 400)
    assert issue["expression"] == ["If-None-Exist"]
    assert not Response.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_store_one_response_and_one_alert(alice, patient):
    """Two requests racing with the same identifier: the database constraint decides."""
    token = api_token_create(member=alice, name="race")[1]
    body = json.dumps(phq9_qr(patient.pk, values=(0,) * 8 + (3,), identifier=IDENTIFIER))
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def send():
        barrier.wait()
        statuses.append(
            Client()
            .post(
                "/fhir/QuestionnaireResponse",
                body,
                content_type="application/fhir+json",
                headers={"Authorization": f"Bearer {token}"},
            )
            .status_code
        )
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 200, 200, 201], statuses
    assert Response.objects.count() == 1
    assert Alert.objects.count() == 1


# --- paging -----------------------------------------------------------------------------------


def _store(patient, n):
    now = timezone.now()
    for week in range(n):
        services.response_record(
            patient=patient,
            instrument="gad7",
            answers={str(i): 1 for i in range(1, 8)},
            context="weekly",
            source="link",
            collected_at=now - dt.timedelta(weeks=week),
        )


def test_count_pages_a_search_with_total_and_next_links(client, auth, patient):
    _store(patient, 5)
    url: str | None = f"/fhir/QuestionnaireResponse?patient={patient.pk}&_count=2"
    seen = []
    pages = 0
    while url:
        page = client.get(url, headers=auth).json()
        Bundle.model_validate(page)
        assert page["total"] == 5
        seen += [e["resource"]["id"] for e in page["entry"]]
        links = {link["relation"]: link["url"] for link in page["link"]}
        assert "self" in links
        url = links.get("next")
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 5


def test_count_pages_observations_and_zero_gives_only_the_total(client, auth, patient):
    _store(patient, 3)  # 3 totals + 21 item observations
    page = client.get(f"/fhir/Observation?patient={patient.pk}&_count=10", headers=auth).json()
    assert (page["total"], len(page["entry"])) == (24, 10)
    only = client.get(f"/fhir/Observation?patient={patient.pk}&_count=0", headers=auth).json()
    assert (only["total"], only["entry"]) == (24, [])


@pytest.mark.parametrize("value", ["-1", "abc", "1001", "١٠", "9" * 5000, "1\x00"])
def test_a_bad_count_is_a_400(client, auth, patient, value):
    response = client.get(
        "/fhir/Observation", {"patient": patient.pk, "_count": value}, headers=auth
    )
    assert refused(response, 400)["expression"] == ["_count"]


# --- no 500 on any input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": "' + b"x" * 3_000_000 + b'"}',
        b'{"resourceType": "QuestionnaireResponse\x00"}',
        b'{"resourceType": "QuestionnaireResponse", "status": "completed\\u0000"}',
        b"\xff\xfe",
    ],
    ids=["deep", "huge", "nul-byte", "nul-escape", "not-utf8"],
)
def test_hostile_bodies_get_a_4xx_operation_outcome(client, auth, db, body):
    response = post(client, body, auth)
    assert 400 <= response.status_code < 500
    OperationOutcome.model_validate(response.json())


@pytest.mark.parametrize(
    "reference",
    [
        "Patient/" + "9" * 5000,
        "Patient/١٢",
        "Patient/" + str(2**63),
        "Patient/example",
        "Patient/-1",
    ],
)
def test_odd_subjects_are_a_404_operation_outcome(client, auth, patient, reference):
    body = phq9_qr(patient.pk)
    body["subject"] = {"reference": reference}
    issue = refused(post(client, body, auth), 404)
    assert issue["expression"] == ["QuestionnaireResponse.subject"]


@pytest.mark.parametrize("value", ["9" * 5000, "١", str(2**63), "Patient/"])
def test_odd_patient_search_params_are_a_404_never_a_500(client, auth, patient, value):
    for path in ("/fhir/Observation", "/fhir/QuestionnaireResponse"):
        response = client.get(path, {"patient": value}, headers=auth)
        assert refused(response, 404)["code"] == "not-found"


def test_a_nul_in_a_search_param_is_refused_at_the_edge_with_an_operation_outcome(
    client, auth, patient
):
    for path in ("/fhir/Observation", "/fhir/QuestionnaireResponse"):
        response = client.get(path, {"patient": "1\x00"}, headers=auth)
        assert "NUL" in refused(response, 400)["diagnostics"]


def test_a_nul_in_the_token_is_a_401(client, db):
    response = client.get("/fhir/Questionnaire/gad7", headers={"Authorization": "Bearer kc_\x00_x"})
    assert refused(response, 401)["code"] == "login"


@given(
    authored=st.datetimes(
        min_value=dt.datetime(1, 1, 1),  # noqa: DTZ001 - naive on purpose; zone added below
        max_value=dt.datetime(9999, 12, 31, 23, 59),  # noqa: DTZ001
    ),
    offset_minutes=st.integers(-14 * 60, 14 * 60),
)
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_authored_time_is_stored_or_refused_at_authored_never_a_500(
    client, auth, patient, authored, offset_minutes
):
    zone = dt.timezone(dt.timedelta(minutes=offset_minutes))
    when = authored.replace(tzinfo=zone).isoformat()
    before = Response.objects.count()
    response = post(client, phq9_qr(patient.pk, authored=when), auth)
    assert response.status_code in (201, 422), response.content
    if response.status_code == 422:
        assert response.json()["issue"][0]["expression"] == ["QuestionnaireResponse.authored"]
        assert Response.objects.count() == before
    else:
        assert dt.datetime(1901, 1, 1, tzinfo=dt.UTC) < Response.objects.latest("pk").collected_at


ANSWER = st.one_of(
    st.builds(
        lambda code: {"valueCoding": {"system": LOINC, "code": code}},
        st.sampled_from([*LA.values(), "LA6574-3"]),
    ),
    st.builds(lambda v: {"valueInteger": v}, st.integers(-2, 5) | st.booleans()),
)


@given(
    answers=st.lists(st.lists(ANSWER, min_size=0, max_size=2), min_size=9, max_size=9),
    repeat=st.sampled_from([None, *range(9)]),
)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_a_stored_phq9_is_exactly_what_was_sent_and_item9_always_alerts(
    client, auth, patient, answers, repeat
):
    """Whatever the answers, either each item's one answer is stored as sent and a positive
    item 9 raises an alert, or nothing is stored at all."""
    body = phq9_qr(patient.pk)
    for item, given_answers in zip(body["item"], answers, strict=True):
        item["answer"] = given_answers
    if repeat is not None:
        body["item"].append(copy.deepcopy(body["item"][repeat]))
    before = (Response.objects.count(), Alert.objects.count())
    response = post(client, body, auth)
    assert response.status_code in (201, 422), response.content
    if response.status_code == 422:
        assert (Response.objects.count(), Alert.objects.count()) == before
        return
    stored = Response.objects.latest("pk")
    assert repeat is None
    for n, given_answers in enumerate(answers, start=1):
        assert len(given_answers) == 1
        (only,) = given_answers
        expected = only.get("valueInteger")
        if expected is None:
            expected = {v: k for k, v in LA.items()}[only["valueCoding"]["code"]]
        assert type(expected) is int and stored.answers[str(n)] == expected
    item9 = stored.answers["9"] > 0
    assert Alert.objects.filter(response=stored, kind="phq9_item9").exists() == item9


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/fhir/QuestionnaireResponse"),
        ("delete", "/fhir/Observation"),
        ("post", "/fhir/metadata"),
    ],
)
def test_an_unsupported_method_is_a_405_operation_outcome(client, auth, db, method, path):
    response = getattr(client, method)(path, headers=auth)
    assert refused(response, 405)["code"] == "not-supported"
    assert "GET" in response["Allow"]


def test_the_capability_statement_declares_paging_and_conditional_create(client, db):
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement

    statement = client.get("/fhir/metadata").json()
    CapabilityStatement.model_validate(statement)
    qr = next(r for r in statement["rest"][0]["resource"] if r["type"] == "QuestionnaireResponse")
    assert qr["conditionalCreate"] is True
    assert "_count" in {p["name"] for p in qr["searchParam"]}


@given(
    params=st.dictionaries(
        st.sampled_from(["patient", "subject", "code", "_count", "_offset"]),
        st.text(st.characters(codec="utf-8"), max_size=30) | st.integers(-(2**70), 2**70).map(str),
        max_size=5,
    )
)
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_search_parameters_get_a_bundle_or_a_4xx_operation_outcome(
    client, auth, patient, params
):
    """NUL bytes, other scripts' digits and huge numbers included: never a 500."""
    for path in ("/fhir/Observation", "/fhir/QuestionnaireResponse"):
        response = client.get(path, params, headers=auth)
        assert response.status_code == 200 or 400 <= response.status_code < 500
        assert response.json()["resourceType"] in ("Bundle", "OperationOutcome")
