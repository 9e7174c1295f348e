"""The audit trail shows every clinical write, filtered by kind, person and date, with
reads folded away; the export holds everything kept, as JSON and as a FHIR R4 Bundle."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient as FhirPatient

from ketacare.alerts.models import Alert
from ketacare.audit.models import AccessAction, AccessEvent
from ketacare.checkins import services as checkin_services
from ketacare.checkins.tests.conftest import deliver
from ketacare.conftest import client_for
from ketacare.measures import services as measures
from ketacare.patients import services

GAD7 = {str(i): 1 for i in range(1, 8)}
PHQ9_ITEM9 = {str(i): 0 for i in range(1, 9)} | {"9": 2}


@pytest.fixture
def history(patient, alice, bob, admin):
    """A little of everything a clinic writes about a patient, by three people."""
    now = timezone.now()
    staff_entered, _ = measures.response_record(
        patient=patient, instrument="gad7", answers=GAD7, context="baseline",
        source="staff", collected_at=now, by=alice.user,
    )  # fmt: skip
    measures.response_record(
        patient=patient, instrument="gad7", answers=GAD7, context="ad_hoc",
        source="import", collected_at=now, by=bob.user, external_id="ext-1",
    )  # fmt: skip
    measures.response_amend(
        response=staff_entered, answers=GAD7 | {"7": 3}, reason="typed the wrong box",
        by=alice.user,
    )  # fmt: skip
    _, alerts = measures.response_record(
        patient=patient, instrument="phq9", answers=PHQ9_ITEM9, context="weekly",
        source="link", collected_at=now,
    )  # fmt: skip
    alert = alerts[0]
    assert isinstance(alert, Alert)  # raised through the measures -> alerts hook
    alert.status = "acknowledged"
    alert._history_user = bob.user  # type: ignore[attr-defined]
    alert.save()
    checkin = checkin_services.checkin_create(
        patient=patient, instruments_=["gad7"], context="weekly", due_at=now, now=now
    )
    checkin_services.checkin_send(checkin, now=now)
    deliver()  # the message leaves through the outbox: "sent" is recorded then
    checkin_services.checkin_resend(
        checkin=checkin, now=now, detail=f"re-sent by {admin.user.full_name}"
    )
    services.patient_phase_change(
        patient=patient, to_phase="evaluation", reason="booked", by=alice.user
    )
    checkin_services.measurement_plan_save(
        patient=patient, calendar_instruments=["gad7"], interval_days={"induction": 7},
        after_dose=True, by=bob.user,
    )  # fmt: skip
    return {"alert": alert, "checkin": checkin}


def _trail(client, patient, **query):
    response = client.get(reverse("patients:audit", args=[patient.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("questionnaire", ["GAD-7 recorded: total 7", "Entered by staff", "Imported"]),
        ("amendment", ["GAD-7 of", "corrected", "typed the wrong box", "<ins>9</ins>"]),
        ("alert", ["Urgent alert raised", "<del>Open</del> → <ins>Acknowledged</ins>"]),
        ("checkin", ["Check-in sent", "Check-in re-sent", "Ada Admin"]),
        ("phase", ["<del>Referred</del> → <ins>Evaluation</ins>", "booked"]),
        ("plan", ["Check-in plan created"]),
    ],
)
def test_the_trail_shows_every_clinical_write_by_kind(
    kind, expected, alice_client, patient, history
):
    content = _trail(alice_client, patient, kind=kind)
    for text in expected:
        assert text in content, (kind, text)
    others = {"questionnaire": "Check-in sent", "checkin": "GAD-7 recorded"}
    if kind in others:
        assert others[kind] not in content


def test_the_trail_names_who_did_each_write(alice_client, patient, history, bob):
    content = _trail(alice_client, patient, who=bob.user.full_name)
    assert "Imported" in content and "Acknowledged" in content and "Check-in plan" in content
    assert "Entered by staff" not in content  # Alice's
    assert "typed the wrong box" not in content


def test_the_trail_filters_by_date(alice_client, patient, history):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert "Nothing matches this filter." in _trail(alice_client, patient, since=tomorrow)
    assert "GAD-7 recorded" in _trail(alice_client, patient, until=tomorrow)
    content = _trail(alice_client, patient, since=tomorrow, until=timezone.localdate())
    assert "The end date is before the start date." in content


def test_reads_are_folded_until_asked_for(alice_client, bob, patient):
    client_for(bob.user).get(reverse("patients:detail", args=[patient.pk]))
    client_for(bob.user).get(reverse("patients:list"))
    folded = _trail(alice_client, patient)
    assert "Opened the chart" not in folded
    # Bob's chart and list, and this very page: the audit view is a read too.
    assert "3 reads of this record folded away" in folded
    shown = _trail(alice_client, patient, reads="on")
    assert "Opened the chart" in shown
    assert "Saw the patient in a list or search" in shown
    assert _trail(alice_client, patient, kind="read").count("Bob Nurse") >= 2


def test_the_json_export_holds_everything_kept(alice_client, patient, history):
    response = alice_client.get(reverse("patients:export", args=[patient.pk]))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["mrn"] == patient.mrn and data["birth_date"] == "1985-04-02"
    assert [q["source"] for q in data["questionnaires"]] == ["staff", "import", "link"]
    amended = data["questionnaires"][0]
    assert amended["amendments"][0]["reason"] == "typed the wrong box"
    assert amended["answers"]["7"] == 3 and amended["collected_by"] == "Alice Prescriber"
    assert data["alerts"][0]["status"] == "acknowledged"
    assert [h["by"] for h in data["alerts"][0]["history"]] == ["system", "Bob Nurse"]
    events = [e["event"] for e in data["checkins"][0]["events"]]
    assert events[0] == "created" and {"queued", "sent", "resent"} <= set(events), events
    assert data["checkin_plan"]["calendar_instruments"] == ["gad7"]
    assert data["phase_history"][-1]["to"] == "evaluation"
    assert data["record_history"][-1]["changes"]["phase"] == ["referred", "evaluation"]
    assert data["access_log"][0]["what"] == "Exported the record"
    event = AccessEvent.objects.first()
    assert (event.action, event.patient) == (AccessAction.EXPORT, patient)


def test_the_fhir_export_is_a_valid_r4_bundle(alice_client, patient, history):
    url = reverse("patients:export", args=[patient.pk]) + "?format=fhir"
    response = alice_client.get(url)
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Content-Disposition"] == 'attachment; filename="patient-HB-1.fhir.json"'
    data = json.loads(response.content)
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds[0] == "Patient"
    assert kinds.count("QuestionnaireResponse") == 3
    assert kinds.count("Observation") >= 3
    fhir_patient = FhirPatient.model_validate(data["entry"][0]["resource"])
    assert [i.value for i in fhir_patient.identifier or []] == ["HB-1"]
    assert str(fhir_patient.birthDate) == "1985-04-02"
    patient_ref = f"Patient/{patient.pk}"
    assert all(e["resource"]["subject"]["reference"] == patient_ref for e in data["entry"][1:])
    event = AccessEvent.objects.first()
    assert (event.action, event.path) == (AccessAction.EXPORT, url)


def test_an_alert_handled_shows_who_handled_it(alice_client, patient, history):
    assert Alert.objects.get().status == "acknowledged"
    content = _trail(alice_client, patient, kind="alert")
    row = content[content.index("<ins>Acknowledged</ins>") - 800 :]
    assert "Bob Nurse" in row
