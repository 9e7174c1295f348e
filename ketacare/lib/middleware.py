from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template import loader


class ContentSecurityPolicyMiddleware:
    """Send a strict Content-Security-Policy: scripts and styles only from our own origin.

    Django 5.2 (the LTS this project pins) has no built-in CSP; 6.0 adds one, and
    this middleware goes when we move to it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", policy)
        return response


NUL = "\x00"


class RefuseUnreadableInputMiddleware:
    """Refuse, before anything reads it, a request no view here could handle safely.

    A NUL character is never meaningful in text this service accepts, and PostgreSQL
    cannot store one in a text column: left alone it reaches a query (a search, the
    sign-in lockout record, an admin filter) and becomes a server error. Checking once at
    the edge covers every view, ours and those of the libraries we use, instead of
    trusting each form and query to remember. The path, the query string and form bodies
    are checked here; JSON bodies are checked where they are parsed
    (`ketacare.lib.jsonbody.loads_bounded`), since only the parser knows that `\\u0000`
    is a NUL.

    Reading the query and form body here also meets Django's size and field-count limits
    first, so their refusals get the same clear answer: JSON on the API, an
    OperationOutcome on FHIR, the error page elsewhere.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            problem = _nul_problem(request)
        except RequestDataTooBig:
            return refusal(request, "The request body is too large.", status=413)
        except TooManyFieldsSent:
            return refusal(request, "The request has too many fields.", status=400)
        except (SuspiciousOperation, MultiPartParserError):
            return refusal(request, "The request could not be read.", status=400)
        if problem:
            return refusal(request, "The request contains a NUL character.", field=problem)
        return self.get_response(request)


def _nul_problem(request: HttpRequest) -> str | None:
    """Name where a NUL is (`path`, or the parameter), or None."""
    if NUL in request.path:
        return "path"
    sources = [request.GET]
    if request.method == "POST":
        # Keep the raw body first (within DATA_UPLOAD_MAX_MEMORY_SIZE): a multipart body
        # parsed from the stream could not be read again by the JSON API or FHIR, which
        # answer it with their own error. Nothing here takes file uploads.
        request.body  # noqa: B018
        sources.append(request.POST)
    for data in sources:
        for key, values in data.lists():
            if NUL in key or any(NUL in v for v in values):
                return key.replace(NUL, "\\0") or "query"
    if request.method == "POST":
        for key, uploads in request.FILES.lists():
            if NUL in key or any(NUL in (upload.name or "") for upload in uploads):
                return key.replace(NUL, "\\0")
    return None


def refusal(
    request: HttpRequest, detail: str, *, status: int = 400, field: str = ""
) -> HttpResponse:
    """A 4xx answer in the form the caller expects: the API's JSON, FHIR's
    OperationOutcome, or the HTML error page with the reason on it."""
    if request.path.startswith("/api/"):
        errors = [{"field": field, "message": detail}] if field else []
        return JsonResponse({"detail": detail, "errors": errors}, status=status)
    if request.path.startswith("/fhir/"):
        outcome = {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "error",
                    "code": "too-long" if status == 413 else "invalid",
                    "diagnostics": detail,
                    **({"expression": [field]} if field else {}),
                }
            ],
        }
        return JsonResponse(outcome, status=status, content_type="application/fhir+json")
    # Rendered without the request, as Django's own 400 page is: nothing here is trusted.
    html = loader.get_template("400.html").render({"reason": detail})
    return HttpResponse(html, status=status)
