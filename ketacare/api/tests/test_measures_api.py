import pytest

from ketacare.accounts.services import api_token_create
from ketacare.alerts.models import Alert
from ketacare.conftest import treatment_started
from ketacare.measures.models import Response


@pytest.fixture
def auth(alice):
    return {"Authorization": f"Bearer {api_token_create(member=alice, name='t')[1]}"}


@pytest.fixture
def outsider_auth(charlie):
    return {"Authorization": f"Bearer {api_token_create(member=charlie, name='t')[1]}"}


GAD = {
    "instrument": "gad7",
    "answers": {str(i): 2 for i in range(1, 8)},
    "collected_at": "2026-11-01T10:00:00Z",
    "context": "post_24h",
}


def test_it_lists_instruments_with_items_and_loinc(client, auth):
    body = client.get("/api/v1/instruments", headers=auth).json()
    gad = next(i for i in body if i["code"] == "gad7")
    assert gad["loinc_panel"] == "69737-5" and gad["max_total"] == 21
    assert gad["items"][0]["options"][1] == {
        "value": 1,
        "label": "Several days",
        "loinc": "LA6569-3",
    }


def test_it_scores_and_stores_a_submitted_response(client, auth, patient):
    response = client.post(
        f"/api/v1/patients/{patient.pk}/responses",
        GAD,
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["total"], body["band"], body["source"], body["context"]) == (
        14,
        "Moderate",
        "import",
        "post_24h",
    )
    assert (
        client.get(f"/api/v1/patients/{patient.pk}/responses", headers=auth).json()[0]["id"]
        == body["id"]
    )


def test_a_phq9_with_item9_returns_the_alert_it_raised(client, auth, patient):
    payload = {"instrument": "phq9", "answers": {**{str(i): 0 for i in range(1, 9)}, "9": 2}}
    body = client.post(
        f"/api/v1/patients/{patient.pk}/responses",
        payload,
        content_type="application/json",
        headers=auth,
    ).json()
    assert body["flags"][0]["code"] == "phq9_item9"
    assert len(body["alerts"]) == 1 and Alert.objects.get().severity == "urgent"


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({str(i): 2 for i in range(1, 7)}, "gad7.7"),
        ({**{str(i): 2 for i in range(1, 8)}, "3": 7}, "gad7.3"),
        ({**{str(i): 2 for i in range(1, 8)}, "99": 1}, "gad7.99"),
    ],
)
def test_item_errors_are_422_naming_the_item(client, auth, patient, answers, field):
    response = client.post(
        f"/api/v1/patients/{patient.pk}/responses",
        {**GAD, "answers": answers},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"instrument": "bdi"}, "instrument"),
        ({"collected_at": "2999-01-01T00:00:00Z"}, "collected_at"),
        ({"collected_at": "2026-01-01T00:00:00"}, "collected_at"),
        ({"context": "someday"}, "context"),
        ({"answers": {"1": "two"}}, "answers.1"),
    ],
)
def test_bad_fields_are_422_with_the_field_named(client, auth, patient, change, field):
    response = client.post(
        f"/api/v1/patients/{patient.pk}/responses",
        {**GAD, **change},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_an_outsider_token_cannot_read_or_write_responses(client, outsider_auth, patient):
    url = f"/api/v1/patients/{patient.pk}/responses"
    assert client.get(url, headers=outsider_auth).status_code == 404
    assert (
        client.post(url, GAD, content_type="application/json", headers=outsider_auth).status_code
        == 404
    )
    assert not Response.objects.exists()


def test_no_token_no_instruments(client, db):
    assert client.get("/api/v1/instruments").status_code == 401


# --- times and numbers at the edges: one rule (clinical_time_problem), never a 500 -------


@pytest.mark.parametrize(
    ("collected_at", "says"),
    [
        ("0001-01-01T00:00:00+14:00", "before 1901"),
        ("0001-01-01T00:00:00-14:00", "before 1901"),
        ("1900-12-31T23:59:59Z", "before 1901"),
        ("9999-12-31T23:59:59-14:00", "in the future"),
        ("9999-12-31T23:59:59+14:00", "in the future"),
        ("1984-12-31T12:00:00Z", "date of birth"),  # the patient was born 1985-04-02
        ("2026-11-01T10:00:00", "time zone"),
    ],
)
def test_an_impossible_collection_time_is_a_422_beside_collected_at(
    client, auth, patient, collected_at, says
):
    response = client.post(
        f"/api/v1/patients/{patient.pk}/responses",
        {**GAD, "collected_at": collected_at},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 422, response.content[:300]
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["collected_at"]
    assert says in errors[0]["message"]
    assert not Response.objects.exists()


@pytest.mark.parametrize("collected_at", [1e20, -1e20, "+99999-01-01T00:00:00Z", "0000-01-01"])
def test_an_unparseable_collection_time_is_a_422(client, auth, patient, collected_at):
    response = client.post(
        f"/api/v1/patients/{patient.pk}/responses",
        {**GAD, "collected_at": collected_at},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 422
    assert "collected_at" in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("value", ["1" + "0" * 5000, "1" + "0" * 30, "1e400"])
def test_a_huge_answer_is_a_4xx_and_stores_nothing(client, auth, patient, value):
    body = '{"instrument": "gad7", "answers": {"1": ' + value + "}}"
    response = client.post(
        f"/api/v1/patients/{patient.pk}/responses",
        body,
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code in (400, 422)
    assert response.json()["detail"]
    assert not Response.objects.exists()


@pytest.mark.parametrize("query", ["instrument=%00", "limit=%D9%A1", "limit=" + "9" * 5000])
def test_odd_response_filters_are_a_4xx(client, auth, patient, query):
    response = client.get(f"/api/v1/patients/{patient.pk}/responses?{query}", headers=auth)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_the_responses_list_carries_baseline_and_best(client, auth, patient, alice):
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    treatment_started(patient, alice.user, now=now, evaluation_days_ago=60, induction_days_ago=45)
    for days, value in ((50, 2), (30, 1), (2, 3)):  # 14 baseline, best 7, now 21
        body = dict(GAD, answers={str(i): value for i in range(1, 8)})
        body["collected_at"] = (now - dt.timedelta(days=days)).isoformat()
        assert (
            client.post(
                f"/api/v1/patients/{patient.pk}/responses",
                body,
                content_type="application/json",
                headers=auth,
            ).status_code
            == 201
        )
    rows = client.get(f"/api/v1/patients/{patient.pk}/responses", headers=auth).json()
    latest, middle, first = rows
    assert latest["total"] == 21
    assert latest["baseline"]["total"] == 14
    assert latest["baseline"]["kind"] == "last score before treatment started"
    assert (latest["baseline"]["change"], latest["baseline"]["reliable_change"]) == (7, "worsened")
    assert (latest["best"]["total"], latest["best"]["change"]) == (7, 14)
    assert latest["best"]["response_id"] == middle["id"]
    assert latest["relapse_from_best"] is True
    assert middle["best"] is None and middle["relapse_from_best"] is False
    assert first["baseline"]["response_id"] == first["id"] and first["baseline"]["change"] is None


@pytest.mark.parametrize("value", [True, False, "2", 1.0])
def test_an_answer_that_is_not_a_whole_number_is_refused_as_in_fhir(client, auth, patient, value):
    answers = {str(i): 0 for i in range(1, 8)} | {"1": value}
    response = client.post(
        f"/api/v1/patients/{patient.pk}/responses",
        {"instrument": "gad7", "answers": answers},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 422, response.content
    assert not Response.objects.exists()
