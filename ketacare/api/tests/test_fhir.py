"""FHIR R4: every resource produced validates; a LOINC-coded GAD-7 from another system is
scored, stored, and comes back as an Observation."""

import json

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketacare.accounts.services import api_token_create
from ketacare.alerts.models import Alert
from ketacare.core import instruments
from ketacare.measures import services
from ketacare.measures.models import Response

LA = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}
GAD_ITEMS = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]


@pytest.fixture
def auth(alice):
    return {"Authorization": f"Bearer {api_token_create(member=alice, name='fhir')[1]}"}


@pytest.fixture
def outsider_auth(charlie):
    return {"Authorization": f"Bearer {api_token_create(member=charlie, name='fhir')[1]}"}


def gad7_qr(patient_id, values=(2, 2, 1, 1, 3, 0, 1), authored="2026-10-30T09:15:00-05:00"):
    return {
        "resourceType": "QuestionnaireResponse",
        "id": "ext-123",
        "identifier": {"system": "urn:example:ehr", "value": "ext-123"},
        "status": "completed",
        "questionnaire": "http://loinc.org/q/69737-5",
        "subject": {"reference": f"Patient/{patient_id}"},
        "authored": authored,
        "item": [
            {
                "linkId": "69737-5",
                "item": [
                    {
                        "linkId": code,
                        "answer": [{"valueCoding": {"system": "http://loinc.org", "code": LA[v]}}],
                    }
                    for code, v in zip(GAD_ITEMS, values, strict=True)
                ]
                + [{"linkId": "70274-6", "answer": [{"valueInteger": 99}]}],
            }
        ],
    }


def post(client, body, auth):
    return client.post(
        "/fhir/QuestionnaireResponse",
        json.dumps(body),
        content_type="application/fhir+json",
        headers=auth,
    )


@pytest.mark.parametrize("code", list(instruments.REGISTRY))
def test_every_instrument_is_a_valid_questionnaire(client, auth, code):
    fhir_id = code.replace("_", "-")
    response = client.get(f"/fhir/Questionnaire/{fhir_id}", headers=auth)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    q = Questionnaire.model_validate(response.json())
    assert q.id == fhir_id


def test_the_gad7_questionnaire_is_loinc_coded(client, auth):
    body = client.get("/fhir/Questionnaire/gad7", headers=auth).json()
    assert body["code"][0]["code"] == "69737-5"
    assert [i["linkId"] for i in body["item"][:7]] == GAD_ITEMS
    assert body["item"][0]["answerOption"][2]["valueCoding"]["code"] == "LA6570-1"


def test_a_loinc_coded_gad7_is_scored_stored_and_comes_back_as_an_observation(
    client, auth, patient
):
    response = post(client, gad7_qr(patient.pk), auth)
    assert response.status_code == 201, response.content
    stored = Response.objects.get()
    assert (stored.instrument, stored.total, stored.band, stored.source) == (
        "gad7",
        10,
        "Moderate",
        "import",
    )
    assert stored.collected_at.isoformat() == "2026-10-30T14:15:00+00:00"  # authored kept
    assert stored.external_id == "urn:example:ehr|ext-123"
    QuestionnaireResponse.model_validate(response.json())
    assert response.json()["identifier"] == {"system": "urn:example:ehr", "value": "ext-123"}
    assert response["Location"].endswith(f"/fhir/QuestionnaireResponse/r{stored.pk}")

    bundle = client.get(
        f"/fhir/Observation?patient={patient.pk}&code=http://loinc.org|70274-6", headers=auth
    ).json()
    Bundle.model_validate(bundle)
    assert bundle["total"] == 1
    total = bundle["entry"][0]["resource"]
    Observation.model_validate(total)
    assert total["valueInteger"] == 10
    assert total["effectiveDateTime"].startswith("2026-10-30T14:15")
    assert total["derivedFrom"][0]["reference"] == f"QuestionnaireResponse/r{stored.pk}"
    assert len(total["hasMember"]) == 7


def test_item_observations_carry_the_answer_code(client, auth, patient):
    post(client, gad7_qr(patient.pk), auth)
    bundle = client.get(f"/fhir/Observation?patient={patient.pk}&code=69735-9", headers=auth).json()
    obs = bundle["entry"][0]["resource"]
    assert obs["valueCodeableConcept"]["coding"][0]["code"] == "LA6571-9"


def test_every_stored_response_exports_as_valid_fhir(client, auth, patient):
    now = timezone.now()
    for code in instruments.REGISTRY:
        answers = services.visible_answers(code, {i.code: 0 for i in instruments.get(code).items})
        services.response_record(
            patient=patient,
            instrument=code,
            answers=answers,
            context="ad_hoc",
            source="staff",
            collected_at=now,
        )
    qrs = client.get(f"/fhir/QuestionnaireResponse?patient={patient.pk}", headers=auth).json()
    Bundle.model_validate(qrs)
    assert qrs["total"] == len(instruments.REGISTRY)
    for entry in qrs["entry"]:
        QuestionnaireResponse.model_validate(entry["resource"])
    obs = client.get(f"/fhir/Observation?patient={patient.pk}", headers=auth).json()
    for entry in obs["entry"]:
        Observation.model_validate(entry["resource"])


def test_a_phq9_import_with_item9_raises_the_urgent_alert(client, auth, patient):
    items = [
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
    body = {
        **gad7_qr(patient.pk),
        "questionnaire": "http://loinc.org/q/44249-1",
        "item": [
            {"linkId": c, "answer": [{"valueInteger": 1 if c == "44260-8" else 0}]} for c in items
        ],
    }
    assert post(client, body, auth).status_code == 201
    assert Alert.objects.get().kind == "phq9_item9"


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (
            # a PHQ-9 canonical over GAD-7 items: the items are not PHQ-9's
            lambda b: b.update(questionnaire="http://loinc.org/q/44249-1"),
            "QuestionnaireResponse.item[0].linkId",
        ),
        (lambda b: b.update(status="in-progress"), "QuestionnaireResponse.status"),
        (lambda b: b.pop("authored"), "QuestionnaireResponse.authored"),
        (lambda b: b.update(authored="yesterday"), None),
        (
            lambda b: b["item"][0]["item"][2]["answer"][0]["valueCoding"].update(code="LA0000-0"),
            "item[0].item[2]",
        ),
        (lambda b: b["item"][0]["item"].pop(4), "69735-9"),
        (lambda b: b["item"][0]["item"][1].update(linkId="99999-9"), "item[0].item[1]"),
        (lambda b: b.update(resourceType="Observation"), "resourceType"),
        (lambda b: b.update(subject={"reference": "Group/1"}), "QuestionnaireResponse.subject"),
    ],
)
def test_invalid_input_gets_an_operation_outcome_saying_where(client, auth, patient, mutate, where):
    body = gad7_qr(patient.pk)
    mutate(body)
    response = post(client, body, auth)
    assert 400 <= response.status_code < 500
    outcome = response.json()
    OperationOutcome.model_validate(outcome)
    if where:
        assert where in " ".join(outcome["issue"][0].get("expression", [""])), outcome
    assert not Response.objects.exists()


def test_malformed_json_is_a_400_operation_outcome(client, auth):
    response = client.post(
        "/fhir/QuestionnaireResponse", "{nope", content_type="application/fhir+json", headers=auth
    )
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


def test_outsiders_are_refused(client, outsider_auth, patient):
    assert post(client, gad7_qr(patient.pk), outsider_auth).status_code == 404
    assert (
        client.get(f"/fhir/Observation?patient={patient.pk}", headers=outsider_auth).status_code
        == 404
    )
    assert (
        client.get(
            f"/fhir/QuestionnaireResponse?patient={patient.pk}", headers=outsider_auth
        ).status_code
        == 404
    )
    assert not Response.objects.exists()


def test_no_token_is_a_401_operation_outcome(client, db):
    response = client.get("/fhir/Questionnaire/gad7")
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"


def test_search_needs_a_patient(client, auth):
    assert client.get("/fhir/Observation", headers=auth).status_code == 400
    assert client.get("/fhir/Observation?patient=abc", headers=auth).status_code == 404


def test_unknown_questionnaire_is_404(client, auth):
    assert client.get("/fhir/Questionnaire/bdi", headers=auth).status_code == 404


def test_metadata_declares_r4(client, db):
    assert client.get("/fhir/metadata").json()["fhirVersion"] == "4.0.1"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


@given(junk=JSON)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_json_posted_to_fhir_gets_a_4xx_operation_outcome_never_a_500(client, auth, junk):
    response = client.post(
        "/fhir/QuestionnaireResponse",
        json.dumps(junk),
        content_type="application/fhir+json",
        headers=auth,
    )
    assert 400 <= response.status_code < 500
    assert response.json()["resourceType"] == "OperationOutcome"


@given(data=st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_mutated_gad7_responses_are_stored_correctly_or_refused_cleanly(
    client, auth, patient, data
):
    body = gad7_qr(patient.pk)
    del body["identifier"]  # examples share one database; each is a new response
    items = body["item"][0]["item"]
    target = data.draw(st.sampled_from(items[:7]))
    target["answer"] = [
        data.draw(
            st.sampled_from(
                [
                    {
                        "valueCoding": {
                            "system": "http://loinc.org",
                            "code": data.draw(st.sampled_from(list(LA.values()) + ["LA1-1", ""])),
                        }
                    },
                    {"valueInteger": data.draw(st.integers(-3, 6))},
                    {"valueString": "often"},
                ]
            )
        )
    ]
    before = Response.objects.count()
    response = post(client, body, auth)
    assert response.status_code in (201, 422), response.content
    if response.status_code == 201:
        stored = Response.objects.latest("pk")
        assert stored.total == sum(stored.answers.values())
        assert stored.total is not None and 0 <= stored.total <= 21
    else:
        assert Response.objects.count() == before
