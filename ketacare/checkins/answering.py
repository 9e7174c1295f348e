"""The questionnaire page of a check-in, shared by the secure link and the patient portal.

Not a view module: these render a check-in for a caller that has already decided access
(`link_views` by the link's token, `portal.views` by the signed-in patient), so the portal
can reuse them without importing another app's views.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.checkins import services
from ketacare.checkins.models import CheckIn
from ketacare.measures import selectors


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
    return render(request, "checkins/_block.html", {"block": block, "saved": True, **extra})


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
                request, "checkins/thanks.html", {"clinic": clinic, "urgent": urgent, **extra}
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
    return render(request, "checkins/questionnaire.html", context, status=422 if errors else 200)
