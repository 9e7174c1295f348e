"""FHIR R4 endpoints at /fhir/, authenticated with the same staff API tokens."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ketacare.accounts.models import StaffMember
from ketacare.accounts.permissions import Action, require
from ketacare.accounts.throttle import TokenThrottled
from ketacare.api.auth import TokenAuth
from ketacare.api.fhir import idempotency, paging, reading
from ketacare.api.fhir import resources as fr
from ketacare.api.fhir.reading import PATIENT_ID, Imported
from ketacare.audit.models import AccessAction
from ketacare.core import instruments
from ketacare.core.instruments.base import InstrumentError
from ketacare.lib.jsonbody import JsonBodyError, loads_bounded
from ketacare.measures import services
from ketacare.measures.models import Context, Response, Source
from ketacare.patients.access import patient_for_member
from ketacare.patients.models import Patient

FHIR_JSON = "application/fhir+json"


def _json(resource: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(resource), status=status, content_type=FHIR_JSON)


def _problem(
    message: str, status: int, *, code: str = "invalid", expression: str | None = None
) -> HttpResponse:
    return _json(fr.outcome(message, code=code, expression=expression), status)


View = Callable[..., HttpResponse]


def allow(*methods: str) -> Callable[[View], View]:
    """Like require_http_methods, but the refusal is an OperationOutcome, as FHIR expects."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                result = _problem(
                    f"{request.method} is not supported here.", 405, code="not-supported"
                )
                result["Allow"] = ", ".join(methods)
                return result
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def fhir_token_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        usable = scheme.lower() == "bearer" and token.isascii() and "\x00" not in token
        try:
            found = TokenAuth().authenticate(request, token) if usable else None
        except TokenThrottled as exc:
            response = _problem(str(exc), 429, code="throttled")
            response["Retry-After"] = str(exc.wait)
            return response
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


def _patient_param(request: HttpRequest, value: str, action: Action) -> Patient:
    """The patient named by `Patient/<id>` or `<id>`, if the token's roles allow `action`;
    the read is logged."""
    require(_member(request), action)
    found = PATIENT_ID.fullmatch(value.removeprefix("Patient/"))
    if found is None:
        raise Http404
    return patient_for_member(_member(request), int(found.group(0)), request=request)


@csrf_exempt  # bearer tokens, no cookies: so a POST here gets a FHIR 405, not a CSRF page
@allow("GET", "HEAD")
def metadata(request: HttpRequest) -> HttpResponse:
    search = [{"name": "patient", "type": "reference"}, {"name": "_count", "type": "number"}]
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
                        "conditionalCreate": True,
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


@csrf_exempt  # bearer tokens, no cookies: so a POST here gets a FHIR 405, not a CSRF page
@allow("GET", "HEAD")
@fhir_token_required
def questionnaire_read(request: HttpRequest, code: str) -> HttpResponse:
    try:
        instrument = fr.instrument_for_id(code)
    except InstrumentError:
        return _problem(f"No Questionnaire {code!r}.", 404, code="not-found")
    return _json(fr.questionnaire(instrument))


@csrf_exempt  # bearer tokens, no cookies: so a POST here gets a FHIR 405, not a CSRF page
@allow("GET", "HEAD")
@fhir_token_required
def questionnaire_search(request: HttpRequest) -> HttpResponse:
    return _json(fr.bundle(fr.questionnaire(i) for i in instruments.REGISTRY.values()))


@csrf_exempt
@allow("GET", "HEAD", "POST")
@fhir_token_required
def questionnaire_response(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _create_questionnaire_response(request)
    patient_ref = request.GET.get("patient") or request.GET.get("subject")
    if not patient_ref:
        return _problem("Search needs ?patient=<id>.", 400, expression="patient")
    try:
        count, offset = paging.page_params(request.GET)
    except paging.PagingError as exc:
        return _problem(exc.message, 400, expression=exc.param)
    patient = _patient_param(request, patient_ref, Action.CHART_READ)
    rows = Response.objects.filter(patient=patient)
    total = rows.count()
    page = rows[offset : offset + count] if count else []
    return _json(
        fr.bundle(
            (fr.questionnaire_response(r) for r in page),
            total=total,
            links=paging.links(request, count=count, offset=offset, total=total),
        )
    )


@csrf_exempt  # bearer tokens, no cookies: so a POST here gets a FHIR 405, not a CSRF page
@allow("GET", "HEAD")
@fhir_token_required
def observation_search(request: HttpRequest) -> HttpResponse:
    patient_ref = request.GET.get("patient") or request.GET.get("subject")
    if not patient_ref:
        return _problem("Search needs ?patient=<id>.", 400, expression="patient")
    try:
        count, offset = paging.page_params(request.GET)
    except paging.PagingError as exc:
        return _problem(exc.message, 400, expression=exc.param)
    patient = _patient_param(request, patient_ref, Action.CHART_READ)
    codes = {c.split("|")[-1] for c in request.GET.get("code", "").split(",") if c}
    found = [
        obs
        for response in Response.objects.filter(patient=patient)
        for obs in fr.observations(response)
        if not codes or {c["code"] for c in obs["code"]["coding"]} & codes
    ]
    return _json(
        fr.bundle(
            found[offset : offset + count],
            total=len(found),
            links=paging.links(request, count=count, offset=offset, total=len(found)),
        )
    )


# --- create --------------------------------------------------------------------------------


def _read_body(request: HttpRequest) -> Any:
    try:
        body = request.body
    except RequestDataTooBig as exc:
        raise JsonBodyError("The body is too large.", status=413) from exc
    return loads_bounded(body)


def _create_questionnaire_response(request: HttpRequest) -> HttpResponse:
    require(_member(request), Action.QUESTIONNAIRE_ENTER)
    try:
        imported = reading.read_questionnaire_response(_read_body(request))
        if imported.patient_id is None:
            raise Http404
        patient = patient_for_member(
            _member(request),
            imported.patient_id,
            request=request,
            action=AccessAction.API_WRITE,
        )
        wanted = idempotency.wanted(request.headers.get("If-None-Exist"), imported)
    except JsonBodyError as exc:
        code = "too-costly" if exc.status == 413 else "structure"
        return _problem(exc.message, exc.status, code=code)
    except reading.Refused as exc:
        return _problem(exc.message, 422, code=exc.code, expression=exc.expression)
    except idempotency.BadCondition as exc:
        return _problem(exc.message, 400, expression="If-None-Exist")
    except Http404:
        return _problem(
            f"No patient {imported.subject!r} here.",
            404,
            code="not-found",
            expression="QuestionnaireResponse.subject",
        )
    return _store_once(request, patient, imported, wanted)


def _store_once(
    request: HttpRequest, patient: Patient, imported: Imported, wanted: idempotency.Wanted
) -> HttpResponse:
    """Store the response unless the sender already did; a retry gets the first one back."""
    found = idempotency.existing(patient, wanted)
    if found is not None:
        return _already_stored(found, imported, wanted)
    try:
        with transaction.atomic():  # a savepoint: a lost race rolls back only this try
            response, _ = services.response_record(
                patient=patient,
                instrument=imported.instrument.code,
                answers=imported.answers,
                context=Context.AD_HOC,
                source=Source.IMPORT,
                collected_at=imported.authored,
                by=_member(request).user,
                external_id=wanted.key,
            )
    except (IntegrityError, ValidationError) as exc:
        # Another request with the same identifier may have won the race (PostgreSQL
        # raises IntegrityError on the constraint; full_clean may see the row first).
        found = idempotency.existing(patient, wanted)
        if found is not None:
            return _already_stored(found, imported, wanted)
        if isinstance(exc, IntegrityError):
            raise
        return _validation_problem(exc, imported)
    return _created(response, 201)


def _created(response: Response, status: int) -> HttpResponse:
    result = _json(fr.questionnaire_response(response), status)
    result["Location"] = f"{fr.base_url()}/QuestionnaireResponse/r{response.pk}"
    return result


def _already_stored(
    found: Response | idempotency.Ambiguous, imported: Imported, wanted: idempotency.Wanted
) -> HttpResponse:
    if isinstance(found, idempotency.Ambiguous):
        return _problem(
            "If-None-Exist matches more than one stored response.",
            412,
            code="duplicate",
            expression="If-None-Exist",
        )
    if not wanted.conditional and not idempotency.same(found, imported):
        return _problem(
            "A different response with this identifier is already stored. To correct it, "
            "amend the stored response; to add a new one, give it a new identifier.",
            409,
            code="conflict",
            expression="QuestionnaireResponse.identifier",
        )
    return _created(found, 200)


def _validation_problem(exc: ValidationError, imported: Imported) -> HttpResponse:
    field, messages = next(iter(exc.message_dict.items()))
    where: str | None = None
    if field == "collected_at":
        where = "QuestionnaireResponse.authored"
    elif "." in field:
        question = imported.instrument.item(field.split(".", 1)[1])
        where = f"QuestionnaireResponse.item.where(linkId='{fr.link_id(question)}')"
    return _problem(
        " ".join(messages),
        422,
        code="required" if messages[0].startswith("Answer") else "invalid",
        expression=where,
    )
