"""The JSON API at /api/v1/: OpenAPI at /api/v1/openapi.json.

Every error is JSON: {"detail": "...", "errors": [{"field": "...", "message": "..."}]}.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from ketacare.accounts.throttle import TokenThrottled
from ketacare.api.auth import TokenAuth
from ketacare.api.measures import router as measures_router
from ketacare.api.patients import router as patients_router
from ketacare.lib.jsonbody import JsonBodyError, loads_bounded


class BoundedJsonParser(Parser):
    """Parse bodies with the shared limits (size, depth, NUL) and accept only objects.

    django-ninja wraps any parser error in a 400 "Cannot parse request body"; the
    original `JsonBodyError` travels as its cause, and `on_http_error` answers with its
    own status and reason.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = loads_bounded(request.body)
        if not isinstance(data, dict):
            # django-ninja would read `[1]` as {} and apply nothing, silently.
            raise JsonBodyError("The body must be a JSON object.", status=422)
        return data


api = NinjaAPI(
    title="ketacare API",
    version="1",
    description="Patients and (in later versions) check-ins, doses and alerts. "
    "Authenticate with a staff API token: `Authorization: Bearer kc_…`.",
    auth=TokenAuth(),
    parser=BoundedJsonParser(),
    urls_namespace="api",
    docs_url=None,
)


def _loc_to_field(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": _loc_to_field(e.get("loc", ())), "message": str(e.get("msg", "Invalid value."))}
        for e in exc.errors
    ]
    return api.create_response(
        request, {"detail": "The request has invalid fields.", "errors": errors}, status=422
    )


@api.exception_handler(DjangoValidationError)
def on_service_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": field if field != "__all__" else "body", "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": "body", "message": m} for m in exc.messages]
    return api.create_response(
        request, {"detail": "The request was refused.", "errors": errors}, status=422
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found.", "errors": []}, status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    # The reason comes from the permission table: say who may, and why.
    reason = str(exc) or "Your role does not allow this."
    return api.create_response(request, {"detail": reason, "errors": []}, status=403)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"detail": "Missing, revoked or invalid API token.", "errors": []}
    return api.create_response(request, body, status=401)


@api.exception_handler(TokenThrottled)
def on_throttled(request: HttpRequest, exc: TokenThrottled) -> HttpResponse:
    response = api.create_response(request, {"detail": str(exc), "errors": []}, status=429)
    response["Retry-After"] = str(exc.wait)
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, JsonBodyError):
        errors = [{"field": "body", "message": cause.message}] if cause.status == 422 else []
        body = {"detail": cause.message, "errors": errors}
        return api.create_response(request, body, status=cause.status)
    return api.create_response(request, {"detail": str(exc), "errors": []}, status=exc.status_code)


@api.exception_handler(SuspiciousOperation)
def on_unreadable_request(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    """Django's own limits, met while the API reads the request, answered as JSON."""
    if isinstance(exc, RequestDataTooBig):
        status, detail = 413, "The request body is too large."
    elif isinstance(exc, TooManyFieldsSent):
        status, detail = 400, "The request has too many fields."
    else:
        status, detail = 400, "The request could not be read."
    return api.create_response(request, {"detail": detail, "errors": []}, status=status)


api.add_router("/patients", patients_router)
api.add_router("", measures_router)
