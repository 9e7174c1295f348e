"""The secure-link questionnaire: no login, one check-in, answers saved as they are given."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ketacare.accounts.clinic_time import clinic_time_activate
from ketacare.accounts.throttle import email_rate_limited
from ketacare.checkins import services
from ketacare.checkins.answering import answer_checkin, save_one_answer
from ketacare.checkins.models import OPEN_STATUSES, CheckIn, CheckInLink, CheckInStatus
from ketacare.core.phases import Phase
from ketacare.measures.models import Source
from ketacare.patients.access import patient_read_by_link


def _state(checkin: CheckIn | None, link: CheckInLink | None) -> str:
    """Return "ok", "unknown", "done", "expired", "replaced" or "closed" for a link.

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
            "checkins/link_cancelled.html",
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
    return render(request, "checkins/link_closed.html", context, status=status)


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
    return render(request, "checkins/link_renewed.html", context)
