"""Every response that shows patient data leaves an access-log row naming that patient.

`READS` declares, for every route of the project (the same URL list as the access
matrix, plus the JSON API and FHIR), what it answers with: the access-log action a read
through it writes, or None for a route that shows no patient data. A new route without a
line here fails `test_every_route_declares_what_it_logs`; a route declared as showing no
patient data is checked for the patient's name and MRN in what it answers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.models import Role
from ketacare.accounts.permissions import Action
from ketacare.accounts.services import api_token_create
from ketacare.alerts.models import Alert
from ketacare.audit.admin import PatientReadsLoggedAdmin
from ketacare.audit.models import AccessAction, AccessEvent
from ketacare.checkins import services as checkin_services
from ketacare.checkins.models import CheckIn, CheckInStatus
from ketacare.conftest import client_for
from ketacare.patients.models import CareTeamMember, Patient, PhaseChange
from ketacare.tests.test_access_matrix import ROUTES, _all_url_names, _url

A = AccessAction
GAD7 = {"instrument": "gad7", "answers": {str(i): 1 for i in range(1, 8)}}

# name -> [(method, action written, body)]; action None: the answer shows no patient data.
READS: dict[str, list[tuple[str, str | None, Any]]] = {
    "home": [("GET", None, None)],
    "accounts:login": [("GET", None, None)],
    "accounts:logout": [("POST", None, None)],
    "accounts:password_reset": [("GET", None, None)],
    "accounts:password_reset_done": [("GET", None, None)],
    "accounts:password_reset_confirm": [("GET", None, None)],
    "accounts:password_reset_complete": [("GET", None, None)],
    "accounts:signin_confirm": [("GET", None, None)],
    "accounts:clinic_crisis_lines": [("GET", None, None), ("POST", None, {})],
    "outbox:sms_status": [("POST", None, {})],
    "accounts:2fa_setup": [("GET", None, None)],
    "accounts:2fa_verify": [("GET", None, None)],
    "accounts:2fa_recovery": [("GET", None, None)],
    "accounts:clinic_switch": [("POST", None, None)],
    "accounts:clinic_settings": [("GET", None, None)],
    "measures:clinic_settings": [("GET", None, None)],
    "accounts:staff_list": [("GET", None, None)],
    "accounts:staff_invite": [("GET", None, None)],
    "accounts:staff_edit": [("GET", None, None)],
    "accounts:tokens": [("GET", None, None)],
    "accounts:token_revoke": [("POST", None, None)],
    "patients:list": [("GET", A.VIEW_LIST, None)],
    "patients:create": [("GET", None, None)],
    "patients:detail": [("GET", A.VIEW_CHART, None)],
    "patients:edit": [("GET", A.VIEW_PAGE, None)],
    "patients:phase_change": [("POST", None, None)],
    "patients:care_team_add": [("POST", None, None)],
    "patients:care_team_end": [("POST", None, None)],
    "patients:audit": [("GET", A.VIEW_AUDIT, None)],
    "patients:export": [("GET", A.EXPORT, None)],
    "patients:portal_invite": [("POST", None, None)],
    "portal:home": [("GET", A.PORTAL_VIEW, None)],
    "portal:login": [("GET", None, None)],
    "portal:logout": [("POST", None, None)],
    "portal:set_password": [("GET", None, None)],
    "measures:link": [("GET", A.LINK_VIEW, None)],
    "measures:link_save": [("POST", A.LINK_VIEW, {"name": "gad7.2", "gad7.2": "3"})],
    "measures:link_renew": [("POST", None, None)],
    "portal:magic_request": [("GET", None, None)],
    "portal:magic_login": [("GET", None, None)],
    "portal:checkin": [("GET", A.PORTAL_VIEW, None)],
    "portal:checkin_save": [("POST", A.PORTAL_VIEW, {"name": "gad7.2", "gad7.2": "3"})],
    "portal:progress": [("GET", A.PORTAL_VIEW, None)],
    "portal:learn": [("GET", None, None)],
    "portal:learn_page": [("GET", None, None)],
    "measures:scores": [("GET", A.VIEW_CHART, None)],
    "measures:response_new": [("GET", A.VIEW_PAGE, None)],
    "measures:response_amend": [("GET", A.VIEW_PAGE, None)],
    "measures:send_now": [("POST", None, None)],
    "measures:plan": [("GET", A.VIEW_PAGE, None)],
    "measures:dose_checkins": [("POST", None, None)],
    "measures:worklist": [("GET", A.VIEW_LIST, None)],
    "measures:resend": [("POST", None, None)],
    # The JSON API and FHIR, with a staff API token.
    "api:api-root": [("GET", None, None)],
    "api:openapi-json": [("GET", None, None)],
    "api:list_instruments": [("GET", None, None)],
    "api:list_patients": [("GET", A.API_READ, None)],
    "api:create_patient": [],  # same path as list_patients: the POST is walked below
    "api:get_patient": [("GET", A.API_READ, None), ("PATCH", A.API_WRITE, {})],
    "api:update_patient": [("PATCH", A.API_WRITE, {"phone": "+1 312 555 0142"})],
    "api:list_responses": [("GET", A.API_READ, None), ("POST", A.API_WRITE, GAD7)],
    "api:submit_response": [],  # same path as list_responses: walked above
    "fhir:metadata": [("GET", None, None)],
    "fhir:questionnaire": [("GET", None, None)],
    "fhir:questionnaire_search": [("GET", None, None)],
    "fhir:questionnaire_response": [("GET", A.API_READ, None)],
    "fhir:observation": [("GET", A.API_READ, None)],
}


def test_every_route_declares_what_it_logs():
    names = {n for n in _all_url_names() if not n.startswith("admin:")}
    missing = names - set(READS)
    assert not missing, f"Declare in READS what these routes log: {sorted(missing)}"
    assert not set(READS) - names, "READS names routes that no longer exist"


@pytest.fixture
def walk(objs, patient_user, admin):
    """The records every route needs, with the check-in sent and half answered, so the
    worklist lists it and the link and portal pages show its draft answers."""
    checkin = objs["checkin"]
    now = timezone.now()
    CheckIn.objects.filter(pk=checkin.pk).update(status=CheckInStatus.SENT, sent_at=now)
    checkin.refresh_from_db()
    checkin_services.checkin_save_answer(
        checkin=checkin, instrument="gad7", item="1", value=2, now=now
    )
    objs["token"] = checkin_services.link_issue(checkin, now)
    # Every role, so each page answers with its data rather than a role refusal.
    objs["admin"].roles = [role.value for role in Role]
    objs["admin"].save(update_fields=["roles"])
    token = api_token_create(member=objs["admin"], name="walk")[1]
    api = Client(headers={"Authorization": f"Bearer {token}"})
    return {**objs, "api": api, "patient_user": patient_user}


def _client_for_route(name: str, walk: dict[str, Any]) -> Client:
    if name.startswith(("api:", "fhir:")):
        client: Client = walk["api"]
        return client
    kind = ROUTES[name].who
    if isinstance(kind, Action | tuple) or kind == "staff":
        return client_for(walk["admin"].user)  # holds every role (see `walk`)
    if kind == "portal":
        return client_for(walk["patient_user"])
    return Client()


def _api_url(name: str, patient: Patient) -> str:
    if name in ("api:get_patient", "api:update_patient"):
        return reverse(name, kwargs={"patient_id": patient.pk})
    if name in ("api:list_responses", "api:submit_response"):
        return reverse(name, kwargs={"patient_id": patient.pk})
    if name in ("fhir:questionnaire_response", "fhir:observation"):
        return reverse(name) + f"?patient={patient.pk}"
    if name == "fhir:questionnaire":
        return reverse(name, kwargs={"code": "gad7"})
    return reverse(name)


def _send(client: Client, method: str, url: str, body: Any, *, json_body: bool) -> Any:
    if method == "GET":
        return client.get(url)
    if json_body:
        return client.generic(method, url, json.dumps(body), content_type="application/json")
    return client.post(url, body or {})


def _reads_of(patient: Patient, since: int) -> list[AccessEvent]:
    new = AccessEvent.objects.filter(pk__gt=since)
    return [e for e in new if e.patient_id == patient.pk or e.shown.filter(patient=patient)]


CALLS = [
    (name, i, method, action, body)
    for name, calls in READS.items()
    for i, (method, action, body) in enumerate(calls)
]


@pytest.mark.parametrize(("name", "i", "method", "action", "body"), CALLS)
def test_each_route_logs_the_patient_data_it_shows(name, i, method, action, body, walk):
    patient = walk["patient"]
    api = name.startswith(("api:", "fhir:"))
    url = _api_url(name, patient) if api else _url(name, walk)
    since = AccessEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = _send(_client_for_route(name, walk), method, url, body, json_body=api)
    assert response.status_code < 500, (url, response.status_code)
    reads = _reads_of(patient, since)
    if action is None:
        shown = b"".join(getattr(response, "streaming_content", [response.content]))
        assert patient.mrn.encode() not in shown, f"{name} shows patient data: declare its read"
        assert patient.family_name.encode() not in shown
        assert reads == []
        return
    assert response.status_code in (200, 201), (url, response.status_code)
    assert [e.action for e in reads] == [action], url
    assert reads[0].ip_address == "127.0.0.1"


def test_creating_a_patient_through_the_api_logs_the_record_it_answers_with(walk):
    body = {"given_name": "Ira", "family_name": "Stone", "birth_date": "1988-03-09"}
    body["email"] = "ira@patient.test"
    response = _send(walk["api"], "POST", reverse("api:create_patient"), body, json_body=True)
    assert response.status_code == 201
    created = Patient.objects.get(pk=response.json()["id"])
    assert [e.action for e in _reads_of(created, 0)] == [A.API_WRITE]


def test_importing_a_fhir_response_logs_the_record_it_answers_with(walk):
    from ketacare.api.tests.test_fhir import gad7_qr

    url = reverse("fhir:questionnaire_response")
    body = gad7_qr(walk["patient"].pk, authored=timezone.now().isoformat())
    response = walk["api"].post(url, json.dumps(body), content_type="application/fhir+json")
    assert response.status_code == 201, response.content
    assert [e.action for e in _reads_of(walk["patient"], 0)] == [A.API_WRITE]


def test_a_list_page_is_one_row_naming_each_patient_shown(walk, other_patient_user):
    other = Patient.objects.get(portal_user=other_patient_user)
    client = client_for(walk["admin"].user)
    assert client.get(reverse("patients:list")).status_code == 200
    event = AccessEvent.objects.get()
    assert event.patient is None
    assert event.action == A.VIEW_LIST
    assert {s.patient for s in event.shown.all()} == {walk["patient"], other}
    client.get(reverse("patients:list"), {"q": "Quinn"})
    search = AccessEvent.objects.first()
    assert search is not None
    assert list(search.shown.values_list("patient", flat=True)) == [other.pk]
    assert search.path == "/patients/?q=Quinn"


def test_a_search_that_shows_nobody_is_still_logged(walk):
    client_for(walk["admin"].user).get(reverse("patients:list"), {"q": "nobody-by-this-name"})
    event = AccessEvent.objects.get()
    assert (event.action, event.shown.count()) == (A.VIEW_LIST, 0)


def test_a_link_read_keeps_no_usable_token_in_the_log(walk):
    token = walk["token"]
    Client().get(reverse("measures:link", args=[token]))
    event = AccessEvent.objects.get()
    assert event.actor is None
    assert token not in event.path
    assert event.path.startswith(f"/c/{token[:6]}")


# --- the technical admin ---------------------------------------------------------------


def _patient_rows(walk: dict[str, Any]) -> dict[type, Any]:
    alert = Alert.objects.create(
        patient=walk["patient"],
        kind="test",
        severity="warning",
        title="Test alert",
        triggered_at=timezone.now(),
        raised_at=timezone.now(),
    )
    client_for(walk["admin"].user).get(reverse("patients:detail", args=[walk["patient"].pk]))
    return {
        Patient: walk["patient"],
        PhaseChange: PhaseChange.objects.filter(patient=walk["patient"]).first(),
        CareTeamMember: walk["assignment"],
        Alert: alert,
        AccessEvent: AccessEvent.objects.first(),
        walk["patient_user"].__class__: walk["patient_user"],
    }


def _shows_patients(model: Any) -> bool:
    fields = {f.name for f in model._meta.get_fields()}
    return model is Patient or "patient" in fields or "patient_record" in fields


def test_every_admin_page_of_patient_data_is_a_logging_admin():
    showing = [m for m in admin.site._registry if _shows_patients(m)]
    assert Patient in showing
    for model in showing:
        assert isinstance(admin.site._registry[model], PatientReadsLoggedAdmin), model


def test_the_admin_logs_every_page_that_shows_a_patient(walk, django_user_model):
    root = django_user_model.objects.create_superuser(
        email="root@x.test", password="x", full_name="Root"
    )
    client = client_for(root)
    rows = _patient_rows(walk)
    for model in admin.site._registry:
        if not _shows_patients(model):
            continue
        obj = rows[model]
        info = (model._meta.app_label, model._meta.model_name)
        pages = [
            reverse("admin:{}_{}_changelist".format(*info)),
            reverse("admin:{}_{}_change".format(*info), args=[obj.pk]),
            reverse("admin:{}_{}_history".format(*info), args=[obj.pk]),
        ]
        for url in pages:
            since = AccessEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
            assert client.get(url).status_code == 200, url
            reads = _reads_of(walk["patient"], since or 0)
            assert [e.actor for e in reads] == [root], url
            assert reads[0].action in (A.VIEW_ADMIN, A.VIEW_LIST), url
