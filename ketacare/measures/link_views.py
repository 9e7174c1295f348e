"""The secure-link questionnaire: no login, one check-in, answers saved as they are given."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ketacare.accounts.access import patient_read_by_link
from ketacare.accounts.models import User
from ketacare.accounts.throttle import email_rate_limited
from ketacare.core.phases import Phase
from ketacare.measures import selectors, services
from ketacare.measures.models import OPEN_STATUSES, CheckIn, CheckInLink, CheckInStatus, Source


def _state(checkin: CheckIn | None, link: CheckInLink | None) -> str:
    """Return "ok", "unknown", "done", "expired", "replaced" or "closed" for a link."""
    now = timezone.now()
    if checkin is None or link is None:
        return "unknown"
    if checkin.status == CheckInStatus.SUBMITTED or link.used_at is not None:
        return "done"
    if link.revoked_at is not None:
        return "replaced"
    # Cancelled (e.g. on discharge): nothing to answer, and no new link to offer.
    if checkin.status == CheckInStatus.CANCELLED or checkin.patient.phase == Phase.DISCHARGED:
        return "closed"
    if checkin.status not in OPEN_STATUSES or link.expires_at <= now or checkin.expires_at <= now:
        return "expired"
    return "ok"


def _closed(request: HttpRequest, state: str, token: str, checkin: CheckIn | None) -> HttpResponse:
    status = 404 if state == "unknown" else 410
    if state == "closed":
        return render(
            request,
            "measures/link_cancelled.html",
            {"clinic": checkin.patient.clinic if checkin else None},
            status=status,
        )
    context = {
        "state": state,
        "token": token,
        "clinic": checkin.patient.clinic if checkin else None,
        # Past its time point a check-in is not reopened: a fresh one is offered instead.
        "renewable": checkin is not None and services.checkin_renewable(checkin, timezone.now()),
    }
    return render(request, "measures/link_closed.html", context, status=status)


def save_one_answer(request: HttpRequest, checkin: CheckIn, extra: dict[str, str]) -> HttpResponse:
    """htmx: keep the one answer named in the post; redraw that questionnaire (skip logic)."""
    name = request.POST.get("name", "")
    instrument, _, item = name.partition(".")
    try:
        value = int(request.POST.get(name, ""))
        services.checkin_save_answer(
            checkin=checkin, instrument=instrument, item=item, value=value, now=timezone.now()
        )
    except (ValueError, ValidationError):
        return HttpResponse(
            "That answer could not be saved. Please choose one of the options.", status=422
        )
    block = selectors.questionnaire_blocks([instrument], checkin.draft)[0]
    return render(request, "measures/_block.html", {"block": block, "saved": True, **extra})


def _errors(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {k: " ".join(v) for k, v in exc.message_dict.items()}
    return {"__all__": " ".join(exc.messages)}


def answer_checkin(
    request: HttpRequest,
    checkin: CheckIn,
    *,
    source: str,
    extra: dict[str, Any],
    by: User | None = None,
) -> HttpResponse:
    """Show a check-in's questionnaires (recording the opening), or take the submitted answers.

    Shared by the secure link and the portal; the caller has already checked access.
    """
    clinic = checkin.patient.clinic
    errors: dict[str, str] = {}
    if request.method == "POST":
        # A plain post (no JavaScript) carries the answers; htmx saved them already.
        services.checkin_save_posted(checkin=checkin, data=request.POST.dict(), now=timezone.now())
        checkin.refresh_from_db()
        try:
            _, alerts = services.checkin_submit(
                checkin=checkin, source=source, now=timezone.now(), by=by
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            urgent = any(a.severity == "urgent" for a in alerts)
            return render(
                request, "measures/thanks.html", {"clinic": clinic, "urgent": urgent, **extra}
            )
    else:
        services.checkin_mark_opened(checkin, timezone.now())
    context = {
        "checkin": checkin,
        "clinic": clinic,
        "errors": errors,
        "form_error": errors.get("__all__", ""),
        "blocks": selectors.questionnaire_blocks(checkin.instruments, checkin.draft, errors),
        **extra,
    }
    return render(request, "measures/questionnaire.html", context, status=422 if errors else 200)


@never_cache
def link(request: HttpRequest, token: str) -> HttpResponse:
    checkin, link_row = services.checkin_for_token(token)
    state = _state(checkin, link_row)
    if state != "ok" or checkin is None:
        return _closed(request, state, token, checkin)
    patient_read_by_link(request, checkin.patient, token)
    return answer_checkin(request, checkin, source=Source.LINK, extra={"token": token})


@require_POST
def link_save(request: HttpRequest, token: str) -> HttpResponse:
    """htmx: keep one answer; answer with the instrument's block re-drawn (skip logic)."""
    checkin, link_row = services.checkin_for_token(token)
    state = _state(checkin, link_row)
    if state != "ok" or checkin is None:
        return _closed(request, state, token, checkin)
    patient_read_by_link(request, checkin.patient, token)
    return save_one_answer(request, checkin, {"token": token})


def _renew_recipient(_request: HttpRequest, token: str) -> str:
    """Count new-link requests per patient, whichever of their links is used."""
    checkin, _ = services.checkin_for_token(token)
    return f"patient {checkin.patient_id}" if checkin else f"link {token}"


@email_rate_limited("check-in-new-link", recipient=_renew_recipient, what="send a new link")
@require_POST
def link_renew(request: HttpRequest, token: str) -> HttpResponse:
    """Send a fresh link to the contact details on file (never to an address typed here).

    Within the check-in's time point the link is renewed; past it, a fresh ad-hoc check-in
    goes out instead, so answers are filed under the time they are given.
    """
    checkin, link_row = services.checkin_for_token(token)
    state = _state(checkin, link_row)
    if checkin is None or state in ("unknown", "done", "closed"):
        return _closed(request, state, token, checkin)
    try:
        sent_for = services.checkin_renew_requested(checkin=checkin, now=timezone.now())
    except ValidationError:  # not to be sent (discharged, no contact): nothing was stored
        return _closed(request, "closed", token, checkin)
    context = {
        "clinic": checkin.patient.clinic,
        "instead": sent_for is not None and sent_for.pk != checkin.pk,
    }
    return render(request, "measures/link_renewed.html", context)
