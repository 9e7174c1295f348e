"""Writes for responses and check-ins. Scoring is ketacare.core.instruments' job;
safety flags become alerts in the same transaction as the response that raised them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import Alert
from ketacare.alerts.services import alerts_from_flags
from ketacare.core import instruments
from ketacare.core.clinical_time import clinical_time_problem
from ketacare.core.instruments.base import InstrumentError, Score
from ketacare.measures.models import (
    OPEN_STATUSES,
    Amendment,
    Channel,
    CheckIn,
    CheckInEvent,
    CheckInLink,
    CheckInStatus,
    MeasurementPlan,
    Response,
    hash_token,
)
from ketacare.measures.sms import send_sms
from ketacare.patients.models import ContactChannel, Patient

# How long a check-in stays open after it is due, and when a reminder goes out. Our
# defaults, not from a guideline; a clinic may change them in clinical_settings.
DEFAULT_WINDOW_HOURS = 72
DEFAULT_REMINDER_HOURS = 24


def clinic_setting(patient: Patient, key: str, default: int) -> int:
    value = patient.clinic.clinical_settings.get(key, default)
    return int(value) if isinstance(value, int | float | str) and str(value).isdigit() else default


def _score(instrument: str, answers: Mapping[str, object]) -> Score:
    try:
        return instruments.score(instrument, answers)
    except InstrumentError as exc:
        field = f"{instrument}.{exc.item}" if exc.item else instrument
        raise ValidationError({field: exc.message}) from exc


def visible_answers(instrument: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Drop answers to questions the skip logic no longer asks (e.g. C-SSRS 3-5)."""
    definition = instruments.get(instrument)
    ints = {k: v for k, v in answers.items() if isinstance(v, int)}
    shown = {item.code for item in definition.visible_items(ints)}
    return {k: v for k, v in answers.items() if k in shown}


@transaction.atomic
def response_record(
    *,
    patient: Patient,
    instrument: str,
    answers: Mapping[str, object],
    context: str,
    source: str,
    collected_at: dt.datetime,
    by: User | None = None,
    checkin: CheckIn | None = None,
    external_id: str = "",
) -> tuple[Response, list[Alert]]:
    """Score and store one questionnaire; raise alerts for its flags at once.

    The time it was answered is checked here, so forms, the JSON API and FHIR share one
    rule for when an answer can have been given.
    """
    problem = clinical_time_problem(collected_at, now=timezone.now(), born=patient.birth_date)
    if problem:
        raise ValidationError({"collected_at": problem})
    score = _score(instrument, answers)
    response = Response(
        patient=patient,
        instrument=instrument,
        version=score.version,
        answers=dict(score.answers),
        total=score.total,
        band=score.band or "",
        risk=score.risk or "",
        flags=[
            {"code": f.code, "severity": f.severity.value, "message": f.message, "item": f.item}
            for f in score.flags
        ],
        context=context,
        source=source,
        collected_at=collected_at,
        collected_by=by,
        checkin=checkin,
        external_id=external_id,
    )
    response.full_clean(exclude=["checkin"])
    response._history_user = by  # type: ignore[attr-defined]
    response._change_reason = f"recorded ({source})"  # type: ignore[attr-defined]
    response.save()
    alerts = alerts_from_flags(
        patient=patient,
        flags=score.flags,
        response=response,
        now=timezone.now(),
        evidence={
            "instrument": instrument,
            "response": response.pk,
            "total": score.total,
            "risk": score.risk,
            "collected_at": collected_at.isoformat(),
        },
    )
    return response, alerts


@transaction.atomic
def response_amend(
    *, response: Response, answers: Mapping[str, object], reason: str, by: User
) -> Response:
    """Correct a stored response; the old answers are kept in an Amendment and in history."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the answers are being corrected."})
    score = _score(response.instrument, answers)
    Amendment.objects.create(
        response=response,
        answers_before=response.answers,
        answers_after=dict(score.answers),
        total_before=response.total,
        total_after=score.total,
        reason=reason.strip(),
        amended_by=by,
        amended_at=timezone.now(),
    )
    response.answers = dict(score.answers)
    response.total = score.total
    response.band = score.band or ""
    response.risk = score.risk or ""
    response._history_user = by  # type: ignore[attr-defined]
    response._change_reason = f"amended: {reason.strip()}"  # type: ignore[attr-defined]
    response.save(update_fields=["answers", "total", "band", "risk"])
    new_flags = [f for f in score.flags if f.code not in {x["code"] for x in response.flags}]
    alerts_from_flags(
        patient=response.patient,
        flags=new_flags,
        response=response,
        now=timezone.now(),
        evidence={"instrument": response.instrument, "response": response.pk, "amended": True},
    )
    return response


# --- check-ins ------------------------------------------------------------------------


def _event(
    checkin: CheckIn, event: str, now: dt.datetime, channel: str = "", detail: str = ""
) -> None:
    CheckInEvent.objects.create(
        checkin=checkin, event=event, channel=channel, detail=detail, at=now
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
    window = clinic_setting(patient, "checkin_window_hours", DEFAULT_WINDOW_HOURS)
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


def _deliver(checkin: CheckIn, token: str, *, reminder: bool = False) -> str:
    """Send the link by the patient's channel. The message carries no clinical detail."""
    patient = checkin.patient
    channel = _channel_for(patient)
    context = {
        "patient": patient,
        "clinic": patient.clinic,
        "url": link_url(token),
        "expires_at": checkin.expires_at,
        "reminder": reminder,
    }
    if channel == Channel.EMAIL:
        send_mail(
            subject=render_to_string("emails/checkin-subject.txt", context).strip(),
            message=render_to_string("emails/checkin-body.txt", context),
            from_email=None,
            recipient_list=[patient.email],
        )
    elif channel == Channel.SMS:
        send_sms(patient.phone, render_to_string("emails/checkin-sms.txt", context).strip())
    return channel


def checkin_send(checkin: CheckIn, *, now: dt.datetime, reminder: bool = False) -> str:
    """Issue a link and deliver it; record the step. Return the channel used."""
    token = link_issue(checkin, now)
    channel = _deliver(checkin, token, reminder=reminder)
    if reminder:
        CheckIn.objects.filter(pk=checkin.pk).update(reminded_at=now)
        _event(checkin, "reminded", now, channel)
    else:
        CheckIn.objects.filter(pk=checkin.pk).update(
            status=CheckInStatus.SENT, sent_at=now, channel=channel
        )
        checkin.status, checkin.sent_at, checkin.channel = CheckInStatus.SENT, now, channel
        _event(checkin, "sent", now, channel)
    return channel


@transaction.atomic
def checkin_resend(*, checkin: CheckIn, now: dt.datetime, detail: str = "") -> str:
    """Open a missed or unanswered check-in again with a new link and a new window."""
    if checkin.status == CheckInStatus.SUBMITTED:
        raise ValidationError("This check-in has already been answered.")
    window = clinic_setting(checkin.patient, "checkin_window_hours", DEFAULT_WINDOW_HOURS)
    checkin.expires_at = now + dt.timedelta(hours=window)
    checkin.missed_at = None
    checkin.save(update_fields=["expires_at", "missed_at"])
    channel = checkin_send(checkin, now=now)
    _event(checkin, "resent", now, channel, detail)
    return channel


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
) -> tuple[list[Response], list[Alert]]:
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
    """Mark open check-ins past their window as missed; return how many."""
    count = 0
    for checkin in CheckIn.objects.filter(status__in=OPEN_STATUSES, expires_at__lt=now):
        updated = CheckIn.objects.filter(pk=checkin.pk, status__in=OPEN_STATUSES).update(
            status=CheckInStatus.MISSED, missed_at=now
        )
        if updated:
            _event(checkin, "missed", now)
            count += 1
    return count


# Phases with calendar check-ins, and the longest gap a clinic or a plan may set.
PLAN_PHASES = ("induction", "maintenance", "paused")
MAX_INTERVAL_DAYS = 90


def _check_intervals(interval_days: Mapping[str, int]) -> None:
    for phase, days in interval_days.items():
        if phase not in PLAN_PHASES:
            raise ValidationError({"interval_days": f"Unknown phase {phase!r}."})
        if not 0 <= int(days) <= MAX_INTERVAL_DAYS:
            raise ValidationError(
                {f"interval_{phase}": f"Between 0 (off) and {MAX_INTERVAL_DAYS} days."}
            )


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
    _check_intervals(interval_days)
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
) -> Clinic:
    """Set the clinic's check-in defaults (our defaults until a clinic's lead changes them)."""
    if not 12 <= window_hours <= 336:
        raise ValidationError({"window_hours": "Between 12 hours and 14 days."})
    if not 1 <= reminder_hours < window_hours:
        raise ValidationError({"reminder_hours": "At least 1 hour, and before the window closes."})
    _check_intervals(interval_days)
    locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
    settings_ = dict(locked.clinical_settings)
    settings_.update(
        checkin_window_hours=window_hours,
        checkin_reminder_hours=reminder_hours,
        checkin_interval_days=dict(interval_days),
    )
    locked.clinical_settings = settings_
    locked._history_user = by  # type: ignore[attr-defined]
    locked._change_reason = "check-in defaults changed"  # type: ignore[attr-defined]
    locked.save(update_fields=["clinical_settings"])
    clinic.clinical_settings = settings_
    return locked
