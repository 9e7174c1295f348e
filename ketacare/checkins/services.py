"""Writes for check-ins: create, send (link and message in one transaction), renew,
cancel, answer and submit. Submitting stores each questionnaire through
`measures.services.response_record`, so scoring and alerts follow one path."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.clinic_settings import ClinicalSettings, intervals_check
from ketacare.accounts.models import Clinic, User
from ketacare.checkins.models import (
    OPEN_STATUSES,
    Channel,
    CheckIn,
    CheckInEvent,
    CheckInLink,
    CheckInStatus,
    MeasurementPlan,
    hash_token,
)
from ketacare.core import instruments
from ketacare.core.instruments.base import InstrumentError
from ketacare.core.phases import Phase
from ketacare.measures.hooks import RaisedSignal
from ketacare.measures.models import Context, Response
from ketacare.measures.services import response_record, visible_answers
from ketacare.outbox.models import MessageChannel
from ketacare.outbox.selectors import message_waiting
from ketacare.outbox.services import message_queue, messages_cancel
from ketacare.patients.models import ContactChannel, Patient

logger = logging.getLogger(__name__)


def _event(
    checkin: CheckIn, event: str, now: dt.datetime, channel: str = "", detail: str = ""
) -> None:
    CheckInEvent.objects.create(
        checkin=checkin, event=event, channel=channel, detail=detail[:300], at=now
    )


@transaction.atomic
def checkin_create(
    *,
    patient: Patient,
    instruments_: list[str],
    context: str,
    due_at: dt.datetime,
    schedule_key: str = "",
    now: dt.datetime | None = None,
) -> CheckIn:
    now = now or timezone.now()
    for code in instruments_:
        instruments.get(code)
    window = ClinicalSettings.of(patient.clinic).checkin_window_hours
    checkin = CheckIn.objects.create(
        patient=patient,
        instruments=list(instruments_),
        context=context,
        due_at=due_at,
        expires_at=due_at + dt.timedelta(hours=window),
        schedule_key=schedule_key,
    )
    _event(checkin, "created", now)
    return checkin


def link_issue(checkin: CheckIn, now: dt.datetime) -> str:
    """Issue a fresh link for the check-in, revoking older ones; return the plaintext token."""
    checkin.links.filter(revoked_at__isnull=True, used_at__isnull=True).update(revoked_at=now)
    token = CheckInLink.new_token()
    CheckInLink.objects.create(
        checkin=checkin, token_hash=hash_token(token), created_at=now, expires_at=checkin.expires_at
    )
    return token


def link_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("measures:link", args=[token])


def _channel_for(patient: Patient) -> str:
    if patient.preferred_contact in (ContactChannel.SMS, ContactChannel.PHONE) and patient.phone:
        return Channel.SMS
    if patient.email:
        return Channel.EMAIL
    if patient.phone:
        return Channel.SMS
    return Channel.PORTAL


DISCHARGED_REFUSAL = (
    "This patient has been discharged, so check-ins are no longer sent. "
    "If they come back, start a new evaluation first."
)
UNREACHABLE_REFUSAL = (
    "No way to reach them: no email address, mobile number or portal account on file. "
    "Add contact details, then re-send."
)


def checkin_send_refusal(patient: Patient) -> str:
    """Why no check-in may go to this patient now ("" if one may).

    One rule for staff pages, the API and the worker: nobody discharged is sent links, and a
    check-in nobody can receive is not pretended to be sent.
    """
    if patient.phase == Phase.DISCHARGED:
        return DISCHARGED_REFUSAL
    if _channel_for(patient) == Channel.PORTAL and patient.portal_user_id is None:
        return UNREACHABLE_REFUSAL
    return ""


def message_ref(checkin: CheckIn, *, reminder: bool) -> str:
    """Outbox reference: which check-in a message is about, and whether it is the reminder."""
    return f"checkin:{checkin.pk}:{'reminder' if reminder else 'link'}"


def _queue_message(checkin: CheckIn, token: str, *, now: dt.datetime, reminder: bool) -> str:
    """Queue the link by the patient's channel. The message carries no clinical detail.

    Messages about this check-in that have not left yet carry links this one replaces,
    so they are cancelled.
    """
    patient = checkin.patient
    channel = _channel_for(patient)
    if reminder and message_waiting(ref=message_ref(checkin, reminder=False)):
        reminder = False  # the first link never left: this message takes its place
    messages_cancel(ref_prefix=f"checkin:{checkin.pk}:", now=now)
    context = {
        "patient": patient,
        "clinic": patient.clinic,
        "url": link_url(token),
        "expires_at": checkin.expires_at,
        "reminder": reminder,
    }
    ref = message_ref(checkin, reminder=reminder)
    # Times in a message are the clinic's, whatever process renders it (a worker runs in UTC).
    with timezone.override(patient.clinic.tz):
        if channel == Channel.EMAIL:
            message_queue(
                channel=MessageChannel.EMAIL,
                to=patient.email,
                subject=render_to_string("emails/checkin-subject.txt", context).strip(),
                body=render_to_string("emails/checkin-body.txt", context),
                ref=ref,
                now=now,
            )
        elif channel == Channel.SMS:
            body = render_to_string("emails/checkin-sms.txt", context).strip()
            message_queue(channel=MessageChannel.SMS, to=patient.phone, body=body, ref=ref, now=now)
    return channel


@transaction.atomic
def checkin_send(checkin: CheckIn, *, now: dt.datetime, reminder: bool = False) -> str:
    """Issue a link and queue its message in one transaction; return the channel used.

    The link is committed with the message, so no message can name a link that does not
    exist; the worker's outbox step sends it after the commit (and records "sent").
    Refused (ValidationError, with the reason) for a patient we must not or cannot reach.
    """
    refusal = checkin_send_refusal(checkin.patient)
    if refusal:
        raise ValidationError(refusal)
    token = link_issue(checkin, now)
    channel = _queue_message(checkin, token, now=now, reminder=reminder)
    if reminder:
        CheckIn.objects.filter(pk=checkin.pk).update(reminded_at=now)
        checkin.reminded_at = now
        _event(checkin, "reminder_queued", now, channel)
        return channel
    CheckIn.objects.filter(pk=checkin.pk).update(
        status=CheckInStatus.SENT, sent_at=now, channel=channel, send_problem=""
    )
    checkin.status, checkin.sent_at, checkin.channel = CheckInStatus.SENT, now, channel
    checkin.send_problem = ""
    # Portal-only patients get no message: the check-in waits in their portal.
    _event(checkin, "sent" if channel == Channel.PORTAL else "queued", now, channel)
    return channel


def checkin_message_outcome(*, ref: str, sent: bool, error: str, final: bool) -> None:
    """Record on the check-in what happened to one of its messages (outbox signals).

    A link that could not be sent after the outbox's last attempt makes the check-in
    "could not send", with the reason, on the coordinator's list.
    """
    kind, _, rest = ref.partition(":")
    pk, _, which = rest.partition(":")
    if kind != "checkin" or not pk.isdigit():
        return
    checkin = CheckIn.objects.filter(pk=int(pk)).first()
    if checkin is None:
        return
    now = timezone.now()
    reminder = which == "reminder"
    if sent:
        _event(checkin, "reminded" if reminder else "sent", now, checkin.channel)
        return
    _event(checkin, "remind_failed" if reminder else "send_failed", now, checkin.channel, error)
    if final and not reminder:
        checkin_mark_undelivered(checkin=checkin, reason=error, now=now)


@transaction.atomic
def checkin_mark_undelivered(*, checkin: CheckIn, reason: str, now: dt.datetime) -> bool:
    """Give up sending: the coordinator sees it under "Could not send" with the reason."""
    updated = CheckIn.objects.filter(
        pk=checkin.pk, status__in=[CheckInStatus.SCHEDULED, CheckInStatus.SENT]
    ).update(status=CheckInStatus.UNDELIVERED, send_problem=reason[:300])
    if updated:
        checkin.status, checkin.send_problem = CheckInStatus.UNDELIVERED, reason[:300]
        _event(checkin, "undelivered", now, checkin.channel, reason)
    return bool(updated)


# Check-ins that cancelling closes: not yet sent, waiting for an answer, or could not send.
CANCELLABLE = (CheckInStatus.SCHEDULED, *OPEN_STATUSES, CheckInStatus.UNDELIVERED)


@transaction.atomic
def checkin_cancel(
    *, checkin: CheckIn, reason: str, now: dt.datetime, revoke_links: bool = False
) -> bool:
    """Close a check-in nobody should answer any more; the row and its record are kept.

    Its messages that have not left are cancelled with it. revoke_links marks its links as
    replaced (a newer check-in took its place); otherwise they show "closed".
    """
    updated = CheckIn.objects.filter(pk=checkin.pk, status__in=CANCELLABLE).update(
        status=CheckInStatus.CANCELLED
    )
    if not updated:
        return False
    if revoke_links:
        checkin.links.filter(revoked_at__isnull=True, used_at__isnull=True).update(revoked_at=now)
    messages_cancel(ref_prefix=f"checkin:{checkin.pk}:", now=now)
    checkin.status = CheckInStatus.CANCELLED
    _event(checkin, "cancelled", now, detail=reason)
    return True


@transaction.atomic
def checkin_refuse_send(*, checkin: CheckIn, reason: str, now: dt.datetime) -> None:
    """The worker found a check-in it must not send: a discharged patient's is cancelled;
    one nobody can receive goes on the coordinator's list as "could not send", with why."""
    if checkin.patient.phase == Phase.DISCHARGED:
        checkin_cancel(checkin=checkin, reason=reason, now=now)
    else:
        checkin_mark_undelivered(checkin=checkin, reason=reason, now=now)


def checkins_cancel_for_discharge(*, patient: Patient, reason: str, now: dt.datetime) -> int:
    """Discharge ends follow-up: every queued or open check-in is cancelled, with why."""
    detail = f"The patient was discharged: {reason}"
    cancelled = 0
    for checkin in CheckIn.objects.filter(patient=patient, status__in=CANCELLABLE):
        cancelled += checkin_cancel(checkin=checkin, reason=detail, now=now)
    return cancelled


RENEWABLE = (*OPEN_STATUSES, CheckInStatus.UNDELIVERED)
# One new link per 10 minutes when the patient asks: pressing again must not flood them.
RENEW_PAUSE = dt.timedelta(minutes=10)


def time_point_ends_at(checkin: CheckIn) -> dt.datetime:
    """The latest moment answers can still be filed under this check-in's time point."""
    window = ClinicalSettings.of(checkin.patient.clinic).checkin_window_hours
    grace = ClinicalSettings.of(checkin.patient.clinic).checkin_renew_grace_hours
    return checkin.due_at + dt.timedelta(hours=window + grace)


def checkin_renewable(checkin: CheckIn, now: dt.datetime) -> bool:
    return checkin.status in RENEWABLE and now < time_point_ends_at(checkin)


@transaction.atomic
def checkin_resend(*, checkin: CheckIn, now: dt.datetime, detail: str = "") -> CheckIn:
    """Send a fresh link; return the check-in it is for.

    A check-in still within its time point is renewed (its window stretched to at most
    `time_point_ends_at`). A missed one stays missed: the patient is sent a fresh ad-hoc
    check-in with the same questionnaires instead, filed under the time it is answered.
    """
    if checkin.status == CheckInStatus.SUBMITTED:
        raise ValidationError("This check-in has already been answered.")
    if checkin.status == CheckInStatus.SCHEDULED:
        raise ValidationError("This check-in has not been sent yet.")
    refusal = checkin_send_refusal(checkin.patient)
    if refusal:
        raise ValidationError(refusal)
    if checkin.status == CheckInStatus.CANCELLED:
        raise ValidationError("This check-in was cancelled; send a new one if it is needed.")
    if checkin_renewable(checkin, now):
        window = ClinicalSettings.of(checkin.patient.clinic).checkin_window_hours
        checkin.expires_at = max(
            checkin.expires_at, min(now + dt.timedelta(hours=window), time_point_ends_at(checkin))
        )
        checkin.save(update_fields=["expires_at"])
        channel = checkin_send(checkin, now=now)
        _event(checkin, "resent", now, channel, detail)
        return checkin
    instead = _checkin_instead_of(checkin, now=now)
    _event(checkin, "replaced", now, "", f"ad-hoc check-in {instead.pk} sent instead; {detail}")
    return instead


def _checkin_instead_of(missed: CheckIn, *, now: dt.datetime) -> CheckIn:
    """The one ad-hoc check-in standing in for a missed one: created once, renewed after."""
    key = f"instead-of:{missed.pk}"
    existing = CheckIn.objects.filter(patient=missed.patient, schedule_key=key).first()
    if existing is not None and checkin_renewable(existing, now):
        channel = checkin_send(existing, now=now)
        _event(existing, "resent", now, channel, f"instead of check-in {missed.pk}")
        return existing
    if existing is not None:
        key = f"instead-of:{missed.pk}:{now:%Y%m%d%H%M%S}"
    return checkin_ad_hoc_send(
        patient=missed.patient,
        instruments_=list(missed.instruments),
        now=now,
        schedule_key=key,
        detail=f"instead of check-in {missed.pk}",
    )


@transaction.atomic
def checkin_ad_hoc_send(
    *,
    patient: Patient,
    instruments_: list[str],
    now: dt.datetime,
    schedule_key: str = "",
    detail: str = "",
) -> CheckIn:
    """Send an ad-hoc check-in ("how are you now"), keeping one open per patient.

    "Now" is one time point: an open ad-hoc check-in that already asks these questionnaires
    is re-sent (a fresh link; the old one stops working; the draft is kept). Otherwise a new
    one asking both sets replaces it, carrying its draft, and the old one is cancelled with
    the reason. Refused (ValidationError) for a patient we must not or cannot reach.
    """
    refusal = checkin_send_refusal(patient)
    if refusal:
        raise ValidationError(refusal)
    # Serialise per patient: two people pressing "send" at once still leave one open.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    current = (
        CheckIn.objects.filter(
            patient=patient,
            context=Context.AD_HOC,
            status__in=(CheckInStatus.SCHEDULED, *OPEN_STATUSES),
        )
        .order_by("-due_at", "-pk")
        .first()
    )
    if (
        current is not None
        and set(instruments_) <= set(current.instruments)
        and checkin_renewable(current, now)
    ):
        window = ClinicalSettings.of(patient.clinic).checkin_window_hours
        current.expires_at = max(
            current.expires_at, min(now + dt.timedelta(hours=window), time_point_ends_at(current))
        )
        current.save(update_fields=["expires_at"])
        channel = checkin_send(current, now=now)
        _event(current, "resent", now, channel, detail)
        return current
    codes = list(instruments_)
    if current is not None:
        codes = list(dict.fromkeys([*current.instruments, *instruments_]))
    fresh = checkin_create(
        patient=patient,
        instruments_=codes,
        context=Context.AD_HOC,
        due_at=now,
        schedule_key=schedule_key,
        now=now,
    )
    if current is not None:
        checkin_cancel(
            checkin=current,
            reason=f"replaced by check-in {fresh.pk} (one open check-in at a time)",
            now=now,
            revoke_links=True,
        )
        if current.draft:
            fresh.draft = dict(current.draft)
            fresh.save(update_fields=["draft"])
    checkin_send(fresh, now=now)
    return fresh


def checkin_renew_requested(*, checkin: CheckIn, now: dt.datetime) -> CheckIn | None:
    """The patient asked for a new link: at most one per RENEW_PAUSE, however many requests
    arrive at once. Return the check-in a link went out for, or None if one just did."""
    recent = now - RENEW_PAUSE
    with transaction.atomic():
        # One conditional UPDATE: of simultaneous requests exactly one changes the row.
        won = (
            CheckIn.objects.filter(pk=checkin.pk)
            .filter(Q(renew_requested_at__isnull=True) | Q(renew_requested_at__lte=recent))
            .update(renew_requested_at=now)
        )
        if not won or checkin.links.filter(created_at__gt=recent).exists():
            return None
        return checkin_resend(checkin=checkin, now=now, detail="asked for by the patient")


def checkin_for_token(token: str) -> tuple[CheckIn | None, CheckInLink | None]:
    link = (
        CheckInLink.objects.select_related("checkin__patient__clinic")
        .filter(token_hash=hash_token(token))
        .first()
    )
    return (link.checkin, link) if link else (None, None)


def checkin_mark_opened(checkin: CheckIn, now: dt.datetime) -> None:
    if checkin.opened_at is None:
        CheckIn.objects.filter(pk=checkin.pk, opened_at__isnull=True).update(opened_at=now)
        if checkin.status == CheckInStatus.SENT:
            CheckIn.objects.filter(pk=checkin.pk, status=CheckInStatus.SENT).update(
                status=CheckInStatus.OPENED
            )
            checkin.status = CheckInStatus.OPENED
        checkin.opened_at = now
        _event(checkin, "opened", now)


@transaction.atomic
def checkin_save_answer(
    *, checkin: CheckIn, instrument: str, item: str, value: int | None, now: dt.datetime
) -> dict[str, Any]:
    """Keep one answer in the draft (so a reload loses nothing); return that instrument's draft."""
    locked = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    if locked.status not in OPEN_STATUSES:
        raise ValidationError("This check-in is closed.")
    if instrument not in locked.instruments:
        raise ValidationError({instrument: "This questionnaire is not part of the check-in."})
    definition = instruments.get(instrument)
    try:
        question = definition.item(item)
    except InstrumentError as exc:
        raise ValidationError({f"{instrument}.{item}": exc.message}) from exc
    if value is not None and value not in [o.value for o in question.options]:
        raise ValidationError({f"{instrument}.{item}": "Choose one of the answers shown."})
    draft = dict(locked.draft)
    answers = dict(draft.get(instrument, {}))
    if value is None:
        answers.pop(item, None)
    else:
        answers[item] = value
    draft[instrument] = answers
    locked.draft = draft
    fields = ["draft"]
    if locked.started_at is None:
        locked.started_at = now
        locked.status = CheckInStatus.STARTED
        fields += ["started_at", "status"]
        _event(locked, "started", now)
    locked.save(update_fields=fields)
    checkin.draft, checkin.status = locked.draft, locked.status
    return answers


def checkin_save_posted(*, checkin: CheckIn, data: Mapping[str, str], now: dt.datetime) -> None:
    """Keep every answer of a plain (no-JavaScript) form post; ignore what is not an answer.

    Anything invalid is left out and shows up as unanswered when the check-in is submitted.
    """
    for key, raw in data.items():
        instrument, dot, item = key.partition(".")
        if not dot or instrument not in checkin.instruments:
            continue
        try:
            checkin_save_answer(
                checkin=checkin, instrument=instrument, item=item, value=int(raw), now=now
            )
        except (ValueError, ValidationError):
            continue


@transaction.atomic
def checkin_submit(
    *, checkin: CheckIn, source: str, now: dt.datetime, by: User | None = None
) -> tuple[list[Response], list[RaisedSignal]]:
    """Score every questionnaire in the draft and store them; raise alerts at once.

    All-or-nothing: if any answer is missing or wrong, nothing is stored and the
    ValidationError names every item to fix; the draft is kept.
    """
    locked = CheckIn.objects.select_for_update().select_related("patient").get(pk=checkin.pk)
    if locked.status == CheckInStatus.SUBMITTED:
        raise ValidationError("This check-in has already been answered.")
    if locked.status not in OPEN_STATUSES:
        raise ValidationError("This check-in is closed.")
    errors: dict[str, str] = {}
    for code in locked.instruments:
        answers = visible_answers(code, locked.draft.get(code, {}))
        definition = instruments.get(code)
        for question in definition.visible_items(answers):
            if question.required and question.code not in answers:
                errors[f"{code}.{question.code}"] = "Please answer this question."
    if errors:
        raise ValidationError(errors)
    responses, alerts = [], []
    for code in locked.instruments:
        response, raised = response_record(
            patient=locked.patient,
            instrument=code,
            answers=visible_answers(code, locked.draft.get(code, {})),
            context=locked.context,
            source=source,
            collected_at=now,
            by=by,
            checkin=locked,
        )
        responses.append(response)
        alerts.extend(raised)
    locked.status = CheckInStatus.SUBMITTED
    locked.submitted_at = now
    locked.save(update_fields=["status", "submitted_at"])
    locked.links.filter(used_at__isnull=True).update(used_at=now)
    _event(locked, "submitted", now, source)
    checkin.status, checkin.submitted_at = locked.status, now
    return responses, alerts


def checkins_expire(*, now: dt.datetime) -> int:
    """Mark check-ins past their window as missed, sent or not (a scheduled one the worker
    never reached is missed too, never sent late); return how many."""
    count = 0
    closing = (*OPEN_STATUSES, CheckInStatus.SCHEDULED)
    for checkin in CheckIn.objects.filter(status__in=closing, expires_at__lt=now):
        try:
            updated = CheckIn.objects.filter(pk=checkin.pk, status__in=closing).update(
                status=CheckInStatus.MISSED, missed_at=now
            )
            if updated:
                _event(checkin, "missed", now, detail="" if checkin.sent_at else "never sent")
                count += 1
        except Exception:  # one bad row must not keep the others open
            logger.exception("Could not mark check-in %s missed", checkin.pk)
    return count


@transaction.atomic
def measurement_plan_save(
    *,
    patient: Patient,
    calendar_instruments: list[str],
    interval_days: dict[str, int],
    after_dose: bool,
    by: User,
) -> MeasurementPlan:
    """Set the patient's own check-in schedule (what the calendar asks, how often, dose-tied)."""
    if not calendar_instruments:
        raise ValidationError({"calendar_instruments": "Choose at least one questionnaire."})
    for code in calendar_instruments:
        definition = instruments.get(code)
        if definition.rater != "patient":
            message = f"{definition.name} is rated by a clinician, not sent to patients."
            raise ValidationError({"calendar_instruments": message})
    intervals_check(interval_days)
    plan, _ = MeasurementPlan.objects.get_or_create(patient=patient)
    plan.calendar_instruments = list(calendar_instruments)
    plan.interval_days = {k: int(v) for k, v in interval_days.items()}
    plan.after_dose = after_dose
    plan._history_user = by  # type: ignore[attr-defined]
    plan._change_reason = "plan edited"  # type: ignore[attr-defined]
    plan.save()
    return plan


@transaction.atomic
def clinic_checkin_settings_save(
    *,
    clinic: Clinic,
    window_hours: int,
    reminder_hours: int,
    interval_days: dict[str, int],
    by: User,
    renew_grace_hours: int | None = None,
) -> Clinic:
    """Set the clinic's check-in defaults (our defaults until a clinic's lead changes them).

    The limits are those of ClinicalSettings; without renew_grace_hours the clinic's stays.
    """
    intervals_check(interval_days)
    locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
    current = ClinicalSettings.of(locked)
    changed = current.replace(
        checkin_window_hours=window_hours,
        checkin_reminder_hours=reminder_hours,
        checkin_renew_grace_hours=(
            current.checkin_renew_grace_hours if renew_grace_hours is None else renew_grace_hours
        ),
        checkin_interval_days={**current.checkin_interval_days, **interval_days},
    )
    settings_ = {**locked.clinical_settings, **changed.to_json()}
    locked.clinical_settings = settings_
    locked._history_user = by  # type: ignore[attr-defined]
    locked._change_reason = "check-in defaults changed"  # type: ignore[attr-defined]
    locked.save(update_fields=["clinical_settings"])
    clinic.clinical_settings = settings_
    return locked
