"""Every route, every method it accepts, every persona: who gets in and who is refused.

`ROUTES` names every URL pattern of the project (the JSON API and FHIR included); the
meta-tests fail when a view is added without a line here, or when a route answers a
method its line does not declare. Staff routes name the `Action` they need, so the
expected answer for each role comes from the same table the views use
(accounts/permissions.py): an allowed role is let in, a refused role gets 403 with the
rule's reason and nothing is written. A redirect counts as a refusal only for anonymous
visitors (sent to sign in).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from ketacare.accounts.models import Role, StaffMember
from ketacare.accounts.permissions import RULES, Action
from ketacare.conftest import client_for, make_staff
from ketacare.core.phases import Phase
from ketacare.patients.models import CareTeamMember, Patient

Objs = dict[str, Any]
Args = Callable[[Objs, StaffMember | None], dict[str, Any]]


def _none(o: Objs, m: StaffMember | None) -> dict[str, Any]:
    return {}


def _patient(o: Objs, m: StaffMember | None) -> dict[str, Any]:
    return {"patient_id": o["patient"].pk}


def _own_token(o: Objs, m: StaffMember | None) -> dict[str, Any]:
    from ketacare.accounts.services import api_token_create

    owner = m or o["admin"]
    return {"token_id": api_token_create(member=owner, name="matrix")[0].pk}


@dataclass(frozen=True)
class Route:
    """One URL: the methods it accepts, who may use it, and how to call it.

    who: an Action (staff of the clinic whose role allows it), or
      "staff"   any active staff member, whatever their role
      "portal"  the signed-in patient only
      "public"  anyone (sign-in, password reset)
      "link"    a check-in link: the unguessable token is the key (measures/tests)
      "provider" called by the SMS provider; only its signature lets a request in
      "token"   the JSON API / FHIR, with a staff API token (see API_ROUTES)
    """

    methods: tuple[str, ...]
    who: Action | str
    args: Args = _none
    data: Callable[[Objs], dict[str, Any]] = lambda o: {}  # noqa: E731
    phase_before: Phase | None = None  # where the patient stands before a phase move
    scoped: bool = False  # names one of our patients: an outsider gets 404
    view_name: str = ""  # for variants: the URL name, when the key is not


GP = ("GET", "POST")
G = ("GET",)
PO = ("POST",)


def _phase_move(to: Phase, before: Phase) -> Route:
    return Route(
        PO,
        {
            Phase.EVALUATION: Action.PHASE_EVALUATE,
            Phase.INDUCTION: Action.PHASE_TREAT,
            Phase.MAINTENANCE: Action.PHASE_TREAT,
            Phase.PAUSED: Action.PHASE_PAUSE,
            Phase.DISCHARGED: Action.PHASE_DISCHARGE,
        }[to],
        _patient,
        data=lambda o: {"to_phase": to.value, "reason": "access matrix"},
        phase_before=before,
        scoped=True,
        view_name="patients:phase_change",
    )


ROUTES: dict[str, Route] = {
    "home": Route(GP, "public"),
    "accounts:login": Route(GP, "public"),
    "accounts:logout": Route(PO, "public"),
    "accounts:password_reset": Route(GP, "public"),
    "accounts:password_reset_done": Route(G, "public"),
    "accounts:password_reset_confirm": Route(
        GP, "public", lambda o, m: {"uidb64": "MQ", "token": "set-password"}
    ),
    "accounts:password_reset_complete": Route(G, "public"),
    "accounts:signin_confirm": Route(GP, "public", lambda o, m: {"token": "not-a-token"}),
    "accounts:2fa_setup": Route(GP, "staff"),
    "accounts:2fa_verify": Route(GP, "staff"),
    "accounts:2fa_recovery": Route(GP, "staff"),
    "accounts:clinic_switch": Route(PO, "staff"),
    "accounts:clinic_settings": Route(GP, Action.CLINIC_SETTINGS),
    "accounts:clinic_crisis_lines": Route(GP, Action.CLINIC_SETTINGS),
    "measures:clinic_settings": Route(GP, Action.CLINIC_SETTINGS),
    "accounts:staff_list": Route(G, Action.STAFF_MANAGE),
    "accounts:staff_invite": Route(GP, Action.STAFF_MANAGE),
    "accounts:staff_edit": Route(
        GP, Action.STAFF_MANAGE, lambda o, m: {"member_id": o["admin"].pk}, scoped=True
    ),
    "accounts:tokens": Route(GP, Action.API_TOKENS),
    "accounts:token_revoke": Route(PO, Action.API_TOKENS, _own_token),
    "patients:list": Route(G, (Action.CHART_READ,)),
    "patients:create": Route(GP, Action.PATIENT_REGISTER),
    "patients:detail": Route(G, Action.CHART_READ, _patient, scoped=True),
    "patients:edit": Route(GP, Action.PATIENT_EDIT, _patient, scoped=True),
    "patients:phase_change": _phase_move(Phase.EVALUATION, Phase.REFERRED),
    "patients:phase_change[induction]": _phase_move(Phase.INDUCTION, Phase.EVALUATION),
    "patients:phase_change[maintenance]": _phase_move(Phase.MAINTENANCE, Phase.INDUCTION),
    "patients:phase_change[re-induction]": _phase_move(Phase.INDUCTION, Phase.MAINTENANCE),
    "patients:phase_change[paused]": _phase_move(Phase.PAUSED, Phase.INDUCTION),
    "patients:phase_change[resume]": _phase_move(Phase.MAINTENANCE, Phase.PAUSED),
    "patients:phase_change[re-evaluate]": _phase_move(Phase.EVALUATION, Phase.PAUSED),
    "patients:phase_change[discharged]": _phase_move(Phase.DISCHARGED, Phase.MAINTENANCE),
    "patients:care_team_add": Route(
        PO,
        Action.CARE_TEAM_MANAGE,
        _patient,
        data=lambda o: {"staff_member": o["admin"].pk, "role": "coordinator"},
        scoped=True,
    ),
    "patients:care_team_end": Route(
        PO,
        Action.CARE_TEAM_MANAGE,
        lambda o, m: {"patient_id": o["patient"].pk, "assignment_id": o["assignment"].pk},
        scoped=True,
    ),
    "patients:audit": Route(G, Action.AUDIT_VIEW, _patient, scoped=True),
    "patients:export": Route(G, Action.EXPORT, _patient, scoped=True),
    "patients:portal_invite": Route(PO, Action.PORTAL_INVITE, _patient, scoped=True),
    "portal:home": Route(GP, "portal"),
    "portal:login": Route(GP, "public"),
    "portal:logout": Route(PO, "public"),
    "portal:set_password": Route(
        GP, "public", lambda o, m: {"uidb64": "MQ", "token": "set-password"}
    ),
    "portal:magic_request": Route(GP, "public"),
    "portal:magic_login": Route(GP, "public", lambda o, m: {"token": "not-a-token"}),
    "portal:checkin": Route(GP, "portal", lambda o, m: {"checkin_id": o["checkin"].pk}),
    "portal:checkin_save": Route(PO, "portal", lambda o, m: {"checkin_id": o["checkin"].pk}),
    "portal:progress": Route(GP, "portal"),
    "portal:learn": Route(GP, "portal"),
    "portal:learn_page": Route(GP, "portal", lambda o, m: {"slug": "after-a-dose"}),
    "measures:link": Route(GP, "link", lambda o, m: {"token": o["token"]}),
    "measures:link_save": Route(PO, "link", lambda o, m: {"token": o["token"]}),
    "measures:link_renew": Route(PO, "link", lambda o, m: {"token": o["token"]}),
    "outbox:sms_status": Route(PO, "provider"),
    "measures:scores": Route(G, Action.CHART_READ, _patient, scoped=True),
    "measures:response_new": Route(
        GP,
        Action.QUESTIONNAIRE_ENTER,
        lambda o, m: {"patient_id": o["patient"].pk, "instrument": "gad7"},
        scoped=True,
    ),
    "measures:response_amend": Route(
        GP,
        Action.QUESTIONNAIRE_AMEND,
        lambda o, m: {"patient_id": o["patient"].pk, "response_id": o["response"].pk},
        scoped=True,
    ),
    "measures:send_now": Route(PO, Action.CHECKIN_SEND, _patient, scoped=True),
    "measures:plan": Route(GP, Action.PLAN_EDIT, _patient, scoped=True),
    "measures:dose_checkins": Route(PO, Action.DOSE_FOLLOW_UP, _patient, scoped=True),
    "measures:worklist": Route(G, (Action.CHART_READ,)),
    "measures:resend": Route(
        PO, Action.CHECKIN_SEND, lambda o, m: {"checkin_id": o["checkin"].pk}, scoped=True
    ),
}


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: Callable[[Objs], str]
    actions: tuple[Action, ...]  # all needed, checked in this order; () = reference data
    body: Callable[[Objs], dict[str, Any]] = field(default=lambda o: {})
    ok: tuple[int, ...] = (200, 201)  # the answer to an allowed role


API_ROUTES: dict[str, ApiRoute] = {
    "api:list_patients": ApiRoute("GET", lambda o: "/api/v1/patients", (Action.CHART_READ,)),
    "api:get_patient": ApiRoute(
        "GET", lambda o: f"/api/v1/patients/{o['patient'].pk}", (Action.CHART_READ,)
    ),
    "api:create_patient": ApiRoute(
        "POST",
        lambda o: "/api/v1/patients",
        (Action.PATIENT_REGISTER,),
        lambda o: {
            "given_name": "Ria",
            "family_name": "Matrix",
            "birth_date": "1980-01-01",
            "email": "ria@patient.test",
        },
    ),
    "api:create_patient[induction]": ApiRoute(
        "POST",
        lambda o: "/api/v1/patients",
        (Action.PATIENT_REGISTER, Action.PHASE_TREAT),
        lambda o: {
            "given_name": "Ria",
            "family_name": "Matrix",
            "birth_date": "1980-01-01",
            "email": "ria@patient.test",
            "phase": "induction",
        },
    ),
    "api:update_patient": ApiRoute(
        "PATCH",
        lambda o: f"/api/v1/patients/{o['patient'].pk}",
        (Action.PATIENT_EDIT,),
        lambda o: {"preferred_name": "P"},
    ),
    "api:list_instruments": ApiRoute("GET", lambda o: "/api/v1/instruments", ()),
    "api:list_responses": ApiRoute(
        "GET", lambda o: f"/api/v1/patients/{o['patient'].pk}/responses", (Action.CHART_READ,)
    ),
    "api:submit_response": ApiRoute(
        "POST",
        lambda o: f"/api/v1/patients/{o['patient'].pk}/responses",
        (Action.QUESTIONNAIRE_ENTER,),
        lambda o: {"instrument": "gad7", "answers": {str(i): 1 for i in range(1, 8)}},
    ),
    "fhir:questionnaire_response": ApiRoute(
        "GET",
        lambda o: f"/fhir/QuestionnaireResponse?patient={o['patient'].pk}",
        (Action.CHART_READ,),
    ),
    "fhir:questionnaire_response[create]": ApiRoute(
        "POST",
        lambda o: "/fhir/QuestionnaireResponse",
        (Action.QUESTIONNAIRE_ENTER,),
        lambda o: {"resourceType": "QuestionnaireResponse"},
        ok=(422,),  # let in: the body is then read, and this one is incomplete
    ),
    "fhir:observation": ApiRoute(
        "GET", lambda o: f"/fhir/Observation?patient={o['patient'].pk}", (Action.CHART_READ,)
    ),
    "fhir:questionnaire_search": ApiRoute("GET", lambda o: "/fhir/Questionnaire", ()),
    "fhir:questionnaire": ApiRoute("GET", lambda o: "/fhir/Questionnaire/gad7", ()),
}
# Documents of the API itself, no patient data: openapi.json, the API root, the
# CapabilityStatement (fhir/tests cover them).
API_DOCUMENTS = {"api:openapi-json", "api:api-root", "fhir:metadata"}

ROLES = list(Role)
ACTION_ROUTES = [k for k, r in ROUTES.items() if isinstance(r.who, Action)]
STAFF_ROUTES = ACTION_ROUTES + [k for k, r in ROUTES.items() if r.who == "staff"]
PORTAL_ROUTES = [k for k, r in ROUTES.items() if r.who == "portal"]


def _cases(keys: list[str]) -> list[tuple[str, str]]:
    return [(k, method) for k in keys for method in ROUTES[k].methods]


def _url(key: str, objs: Objs, member: StaffMember | None = None) -> str:
    route = ROUTES[key]
    return reverse(route.view_name or key, kwargs=route.args(objs, member))


def _call(
    client: Any,
    key: str,
    method: str,
    objs: Objs,
    member: StaffMember | None = None,
    *,
    must_not_write: bool = False,
):
    """Set the scene for `key`, send the request; with `must_not_write`, fail if it wrote."""
    url = _url(key, objs, member)
    route = ROUTES[key]
    if route.phase_before is not None:
        Patient.objects.filter(pk=objs["patient"].pk).update(phase=route.phase_before.value)
    before = _fingerprint() if must_not_write else None
    response = client.post(url, route.data(objs)) if method == "POST" else client.get(url)
    if must_not_write:
        assert _fingerprint() == before, f"a refused {method} to {key} wrote something"
    return response


# Tables whose rows a refused request could never justify writing. Reads are logged
# (AccessEvent) and sessions and sign-in attempts move on their own, so they are left out.
_UNWRITTEN_EXCLUDED = {"accessevent", "session", "accessattempt", "accesslog", "accessfailurelog"}


def _fingerprint() -> dict[str, int]:
    counts = {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.model_name not in _UNWRITTEN_EXCLUDED and not m._meta.proxy
    }
    counts["outbox"] = len(mail.outbox)
    return counts


@pytest.fixture
def role_member(request, clinic) -> StaffMember:
    """A Harbour staff member holding exactly one role."""
    role = Role(request.param)
    return make_staff(clinic, f"{role.value}@matrix.test", f"Matrix {role.label}", [role])


def _is_let_in(response) -> bool:
    if response.status_code == 200:
        return True
    return response.status_code == 302 and "/login/" not in response["Location"]


# --- roles: the table decides ------------------------------------------------------------


@pytest.mark.parametrize("role_member", ROLES, indirect=True)
@pytest.mark.parametrize(("key", "method"), _cases(ACTION_ROUTES))
def test_each_role_is_let_in_or_refused_as_the_table_says(key, method, role_member, objs):
    action = ROUTES[key].who
    assert isinstance(action, Action)
    allowed = not RULES[action].roles.isdisjoint(role_member.roles)
    client = client_for(role_member.user)
    response = _call(client, key, method, objs, role_member, must_not_write=not allowed)
    if allowed:
        assert _is_let_in(response), (response.status_code, response.get("Location"))
    else:
        assert response.status_code == 403
        assert RULES[action].reason.encode() in response.content.replace(b"&#x27;", b"'")


@pytest.mark.parametrize("role_member", ROLES, indirect=True)
@pytest.mark.parametrize("key", [k for k in ACTION_ROUTES if ROUTES[k].phase_before])
def test_a_phase_move_happens_only_for_the_roles_that_may_make_it(key, role_member, objs):
    route = ROUTES[key]
    assert isinstance(route.who, Action)
    allowed = not RULES[route.who].roles.isdisjoint(role_member.roles)
    _call(client_for(role_member.user), key, "POST", objs, role_member)
    moved_to = Patient.objects.get(pk=objs["patient"].pk).phase
    expected = route.data(objs)["to_phase"] if allowed else route.phase_before
    assert moved_to == expected


@pytest.mark.parametrize("role_member", ROLES, indirect=True)
@pytest.mark.parametrize("key", [k for k, r in ROUTES.items() if r.who == "staff"])
def test_every_role_may_use_its_own_sign_in_security_and_clinic_switch(key, role_member, objs):
    response = _call(client_for(role_member.user), key, ROUTES[key].methods[0], objs)
    assert _is_let_in(response)


# --- outsiders, patients, anonymous visitors ---------------------------------------------


@pytest.mark.parametrize(("key", "method"), _cases([k for k in ROUTES if ROUTES[k].scoped]))
def test_outsider_staff_are_refused_everything_about_our_patients(
    key, method, charlie_client, objs
):
    response = _call(charlie_client, key, method, objs, must_not_write=True)
    assert response.status_code == 404
    assert CareTeamMember.objects.current().filter(pk=objs["assignment"].pk).exists()


@pytest.mark.parametrize(
    ("key", "method"), _cases([k for k in ACTION_ROUTES if not ROUTES[k].scoped])
)
def test_outsider_staff_see_nothing_of_ours_on_clinic_pages(key, method, charlie, objs):
    response = _call(client_for(charlie.user), key, method, objs, charlie)
    assert response.status_code in (200, 302)
    assert objs["patient"].display_name.encode() not in response.content
    objs["checkin"].refresh_from_db()
    assert objs["checkin"].status == "scheduled"


@pytest.mark.parametrize(("key", "method"), _cases(STAFF_ROUTES))
def test_a_patient_is_refused_every_staff_page(key, method, patient_client, objs):
    assert _call(patient_client, key, method, objs, must_not_write=True).status_code == 403


@pytest.mark.parametrize(("key", "method"), _cases(PORTAL_ROUTES))
def test_staff_are_refused_every_portal_page(key, method, alice_client, objs):
    assert _call(alice_client, key, method, objs).status_code == 403


@pytest.mark.parametrize(("key", "method"), _cases(["portal:checkin", "portal:checkin_save"]))
def test_another_patient_cannot_open_this_patients_check_in(key, method, other_patient_user, objs):
    result = _call(client_for(other_patient_user), key, method, objs)
    assert result.status_code == 404
    objs["checkin"].refresh_from_db()
    assert objs["checkin"].draft == {}


@pytest.mark.parametrize(("key", "method"), _cases(STAFF_ROUTES + PORTAL_ROUTES))
def test_anonymous_visitors_are_sent_to_sign_in(key, method, client, objs):
    result = _call(client, key, method, objs, must_not_write=True)
    assert result.status_code == 302
    assert "/login/" in result["Location"]


def test_staff_pages_refuse_a_staff_user_whose_membership_ended(alice, patient):
    alice.is_active = False
    alice.save()
    c = client_for(alice.user)
    assert c.get(reverse("patients:list")).status_code == 403
    assert c.get(reverse("patients:detail", args=[patient.pk])).status_code == 403


def test_one_patient_never_sees_another_patients_record(other_patient_user, patient):
    response = client_for(other_patient_user).get(reverse("portal:home"))
    assert response.status_code == 200
    assert b"Quinn" in response.content
    assert patient.family_name.encode() not in response.content


# --- the JSON API and FHIR: a token acts with its member's roles ---------------------------


@pytest.mark.parametrize("role_member", ROLES, indirect=True)
@pytest.mark.parametrize("key", list(API_ROUTES))
def test_an_api_token_acts_with_its_members_roles(key, role_member, objs, client):
    from ketacare.accounts.services import api_token_create

    route = API_ROUTES[key]
    _, secret = api_token_create(member=role_member, name="matrix")
    refused = [a for a in route.actions if RULES[a].roles.isdisjoint(role_member.roles)]
    before = _fingerprint()
    response = client.generic(
        route.method,
        route.path(objs),
        json.dumps(route.body(objs)) if route.method != "GET" else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    if not refused:
        assert response.status_code in route.ok, response.content
        return
    assert response.status_code == 403
    body = response.json()
    reason = body["detail"] if "detail" in body else body["issue"][0]["diagnostics"]
    assert reason == RULES[refused[0]].reason
    assert _fingerprint() == before


@pytest.mark.parametrize("key", list(API_ROUTES))
def test_the_api_refuses_a_request_without_a_token(key, objs, client):
    route = API_ROUTES[key]
    response = client.generic(route.method, route.path(objs), content_type="application/json")
    assert response.status_code == 401


# --- the matrix covers every route and every method ---------------------------------------


@pytest.mark.parametrize("persona", ["anonymous", "staff", "patient"])
def test_only_the_sms_provider_may_post_delivery_receipts(
    persona, client, alice_client, patient_client, settings
):
    from ketacare.outbox.models import Message

    settings.SMS_AUTH_TOKEN = "provider-secret"
    Message.objects.create(
        channel="sms",
        to="+15550100",
        body="b",
        created_at=timezone.now(),
        next_attempt_at=timezone.now(),
        provider_id="SM1",
    )
    who = {"anonymous": client, "staff": alice_client, "patient": patient_client}[persona]
    form = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    url = reverse("outbox:sms_status")
    assert who.post(url, form).status_code == 403
    forged = who.post(url, form, HTTP_X_TWILIO_SIGNATURE="bm90IGl0")
    assert forged.status_code == 403
    assert Message.objects.get(provider_id="SM1").delivery_status == ""


def _all_url_names(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _all_url_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}"


def test_every_route_is_in_the_access_matrix():
    names = {n for n in _all_url_names() if not n.startswith("admin:")}
    declared = {r.view_name or k for k, r in ROUTES.items()} | set(API_ROUTES) | API_DOCUMENTS
    missing = names - {k.split("[")[0] for k in declared}
    assert not missing, f"Add these routes to ROUTES with who may use them: {sorted(missing)}"


def test_every_action_is_used_by_some_route():
    used = {r.who for r in ROUTES.values()} | {a for r in API_ROUTES.values() for a in r.actions}
    assert set(Action) <= used, f"unused actions: {set(Action) - used}"


@pytest.mark.parametrize(
    ("key", "method"), _cases([k for k, r in ROUTES.items() if r.who in ("public", "link")])
)
def test_a_public_route_accepts_every_method_it_declares(key, method, client, objs):
    assert _call(client, key, method, objs).status_code != 405


def _someone_allowed(route: Route, objs: Objs, clinic) -> tuple[Any, StaffMember | None]:
    if route.who in ("public", "link"):
        return None, None
    if route.who == "portal":
        return objs["patient_user"], None
    member = make_staff(clinic, "everything@matrix.test", "Every Role", list(Role))
    return member.user, member


@pytest.mark.parametrize("key", [k for k, r in ROUTES.items() if len(r.methods) < 2])
def test_a_route_answers_405_to_a_method_it_does_not_declare(key, objs, clinic, patient_user):
    route = ROUTES[key]
    user, member = _someone_allowed(route, {**objs, "patient_user": patient_user}, clinic)
    from django.test import Client

    c = client_for(user) if user is not None else Client()
    for method in {"GET", "POST"} - set(route.methods):
        response = c.generic(method, _url(key, objs, member))
        assert response.status_code == 405, f"{key} answers {method}: declare it or refuse it"
