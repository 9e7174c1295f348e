"""The secure-link questionnaire: no login, one check-in, answers saved as they are given."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ketacare.accounts.clinic_time import clinic_time_activate
from ketacare.accounts.models import User
from ketacare.measures import selectors, services
from ketacare.measures.models import OPEN_STATUSES, CheckIn, CheckInLink, CheckInStatus, Source

RENEW_PAUSE = dt.timedelta(minutes=10)


def _state(checkin: CheckIn | None, link: CheckInLink | None) -> str:
    """Return "ok", "unknown", "done", "expired" or "replaced" for a link.

    Every link view asks this first, so it is also where the page takes on the time
    zone of the check-in's clinic.
    """
    now = timezone.now()
    if checkin is None or link is None:
        return "unknown"
    clinic_time_activate(checkin.patient.clinic)
    if checkin.status == CheckInStatus.SUBMITTED or link.used_at is not None:
        return "done"
    if link.revoked_at is not None:
        return "replaced"
    if checkin.status not in OPEN_STATUSES or link.expires_at <= now or checkin.expires_at <= now:
        return "expired"
    return "ok"


def _closed(request: HttpRequest, state: str, token: str, checkin: CheckIn | None) -> HttpResponse:
    status = 404 if state == "unknown" else 410
    context = {
        "state": state,
        "token": token,
        "clinic": checkin.patient.clinic if checkin else None,
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
    return answer_checkin(request, checkin, source=Source.LINK, extra={"token": token})


@require_POST
def link_save(request: HttpRequest, token: str) -> HttpResponse:
    """htmx: keep one answer; answer with the instrument's block re-drawn (skip logic)."""
    checkin, link_row = services.checkin_for_token(token)
    state = _state(checkin, link_row)
    if state != "ok" or checkin is None:
        return _closed(request, state, token, checkin)
    return save_one_answer(request, checkin, {"token": token})


@require_POST
def link_renew(request: HttpRequest, token: str) -> HttpResponse:
    """Send a fresh link to the contact details on file (never to an address typed here)."""
    checkin, link_row = services.checkin_for_token(token)
    state = _state(checkin, link_row)
    if checkin is None or state in ("unknown", "done"):
        return _closed(request, state, token, checkin)
    now = timezone.now()
    # One fresh link per 10 minutes: pressing the button again must not flood the patient.
    if not checkin.links.filter(created_at__gt=now - RENEW_PAUSE).exists():
        services.checkin_resend(checkin=checkin, now=now, detail="asked for by the patient")
    return render(request, "measures/link_renewed.html", {"clinic": checkin.patient.clinic})
