"""FHIR R4 endpoints at /fhir/, authenticated with the same staff API tokens."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from ketacare.accounts.access import patient_for_member
from ketacare.accounts.models import StaffMember
from ketacare.accounts.permissions import Action, require
from ketacare.api.auth import TokenAuth
from ketacare.api.fhir import resources as fr
from ketacare.core import instruments
from ketacare.core.instruments.base import InstrumentError
from ketacare.measures import services
from ketacare.measures.models import Context, Response, Source
from ketacare.patients.models import Patient

FHIR_JSON = "application/fhir+json"


def _json(resource: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(resource), status=status, content_type=FHIR_JSON)


def _problem(
    message: str, status: int, *, code: str = "invalid", expression: str | None = None
) -> HttpResponse:
    return _json(fr.outcome(message, code=code, expression=expression), status)


View = Callable[..., HttpResponse]


def fhir_token_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        found = TokenAuth().authenticate(request, token) if scheme.lower() == "bearer" else None
        if found is None:
            return _problem("Missing, revoked or invalid API token.", 401, code="login")
        request.membership = found.staff_member  # type: ignore[attr-defined]
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return _problem("Not found.", 404, code="not-found")
        except PermissionDenied as exc:
            return _problem(str(exc), 403, code="forbidden")

    return wrapper


def _member(request: HttpRequest) -> StaffMember:
    return request.membership  # type: ignore[attr-defined]


def _patient_param(
    request: HttpRequest, value: str, action: Action, *, read: bool = False
) -> Patient:
    """The patient named by `Patient/<id>` or `<id>`, if the token's roles allow `action`;
    `read=True` logs the read."""
    require(_member(request), action)
    raw = value.removeprefix("Patient/")
    if not raw.isdigit():
        raise Http404
    return patient_for_member(_member(request), int(raw), request=request if read else None)


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    search = [{"name": "patient", "type": "reference"}]
    statement = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-22",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "implementation": {"description": "ketacare FHIR API", "url": fr.base_url()},
        "rest": [
            {
                "mode": "server",
                "security": {"description": "Bearer staff API token"},
                "resource": [
                    {
                        "type": "Questionnaire",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                    },
                    {
                        "type": "QuestionnaireResponse",
                        "interaction": [{"code": "search-type"}, {"code": "create"}],
                        "searchParam": search,
                    },
                    {
                        "type": "Observation",
                        "interaction": [{"code": "search-type"}],
                        "searchParam": [*search, {"name": "code", "type": "token"}],
                    },
                ],
            }
        ],
    }
    return _json(statement)


@require_GET
@fhir_token_required
def questionnaire_read(request: HttpRequest, code: str) -> HttpResponse:
    try:
        instrument = fr.instrument_for_id(code)
    except InstrumentError:
        return _problem(f"No Questionnaire {code!r}.", 404, code="not-found")
    return _json(fr.questionnaire(instrument))


@require_GET
@fhir_token_required
def questionnaire_search(request: HttpRequest) -> HttpResponse:
    return _json(fr.bundle(fr.questionnaire(i) for i in instruments.REGISTRY.values()))


@csrf_exempt
@require_http_methods(["GET", "POST"])
@fhir_token_required
def questionnaire_response(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _create_questionnaire_response(request)
    patient_ref = request.GET.get("patient") or request.GET.get("subject")
    if not patient_ref:
        return _problem("Search needs ?patient=<id>.", 400, expression="patient")
    patient = _patient_param(request, patient_ref, Action.CHART_READ, read=True)
    rows = Response.objects.filter(patient=patient)
    return _json(fr.bundle(fr.questionnaire_response(r) for r in rows))


def _create_questionnaire_response(request: HttpRequest) -> HttpResponse:
    require(_member(request), Action.QUESTIONNAIRE_ENTER)
    try:
        data = json.loads(request.body or b"")
    except ValueError:
        return _problem("The body is not valid JSON.", 400, code="structure")
    try:
        imported = fr.read_questionnaire_response(data)
    except fr.ImportError_ as exc:
        return _problem(exc.message, 422, expression=exc.expression)
    patient = _patient_param(request, imported.subject, Action.QUESTIONNAIRE_ENTER)
    authored = parse_datetime(imported.authored)
    if authored is None or authored.tzinfo is None:
        return _problem(
            "'authored' must be a date-time with a time zone.",
            422,
            expression="QuestionnaireResponse.authored",
        )
    try:
        response, _ = services.response_record(
            patient=patient,
            instrument=imported.instrument.code,
            answers=imported.answers,
            context=Context.AD_HOC,
            source=Source.IMPORT,
            collected_at=authored,
            by=_member(request).user,
            external_id=imported.identifier,
        )
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        item = field.split(".", 1)[1] if "." in field else None
        where = None
        if item:
            question = imported.instrument.item(item)
            where = f"QuestionnaireResponse.item.where(linkId='{fr.link_id(question)}')"
        return _problem(
            " ".join(messages),
            422,
            code="required" if "Answer" in messages[0] else "invalid",
            expression=where,
        )
    result = _json(fr.questionnaire_response(response), 201)
    result["Location"] = f"{fr.base_url()}/QuestionnaireResponse/r{response.pk}"
    return result


@require_GET
@fhir_token_required
def observation_search(request: HttpRequest) -> HttpResponse:
    patient_ref = request.GET.get("patient") or request.GET.get("subject")
    if not patient_ref:
        return _problem("Search needs ?patient=<id>.", 400, expression="patient")
    patient = _patient_param(request, patient_ref, Action.CHART_READ, read=True)
    codes = {c.split("|")[-1] for c in request.GET.get("code", "").split(",") if c}
    found = []
    for response in Response.objects.filter(patient=patient):
        for obs in fr.observations(response):
            if not codes or {c["code"] for c in obs["code"]["coding"]} & codes:
                found.append(obs)
    return _json(fr.bundle(found))
