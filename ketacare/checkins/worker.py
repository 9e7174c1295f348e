"""Background steps for check-ins, run by `manage.py worker`.

Each step returns how much it did. A due check-in is taken, given its link and its queued
message in one transaction (the conditional UPDATE that takes it lets one worker through);
the outbox step then sends the message under a lease, after that commit. A killed worker
holds nothing: its open transaction rolls back, its outbox lease runs out.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ketacare.accounts.clinic_settings import PLAN_PHASES, ClinicalSettings
from ketacare.checkins import services
from ketacare.checkins.models import (
    OPEN_STATUSES,
    CheckIn,
    CheckInEvent,
    CheckInStatus,
    MeasurementPlan,
)
from ketacare.core.phases import Phase
from ketacare.measures.models import Context
from ketacare.outbox.services import deliver_due, pause_for_tests
from ketacare.patients.models import Patient

logger = logging.getLogger(__name__)

# Calendar check-ins: how often is the clinic's (accounts.clinic_settings), what they ask is here.
CALENDAR_INSTRUMENTS = ["gad7", "phq9"]
# Tied to each dose: anxiety falls within an hour and fades over about a week [K35][K42],
# so scores are taken 24 h (the Otago primary time point [K40]) and 7 days after a dose.
AFTER_DOSE = [
    (dt.timedelta(hours=24), Context.POST_24H, ["gad7", "side_effects"]),
    (dt.timedelta(days=7), Context.POST_7D, ["gad7", "phq9", "bladder"]),
]
SEND_HOUR_LOCAL = 9  # calendar check-ins go out at 09:00 clinic time


# Preparing a check-in's message (link, text) that fails this many times in a row makes it
# "could not send" on the coordinator's list; the message itself is retried by the outbox.
MAX_PREPARE_FAILURES = 3


def _record_failure(checkin_id: int, exc: Exception, *, now: dt.datetime, step: str) -> None:
    """Keep an item's failure on the item; give up on sending it after a few."""
    logger.exception("Check-in %s: %s failed", checkin_id, step)
    reason = f"{type(exc).__name__}: {exc}"[:300]
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.select_for_update().get(pk=checkin_id)
            CheckIn.objects.filter(pk=checkin_id).update(send_failures=F("send_failures") + 1)
            CheckInEvent.objects.create(
                checkin=checkin, event=f"{step}_failed", detail=reason, at=now
            )
            if step == "send" and checkin.send_failures + 1 >= MAX_PREPARE_FAILURES:
                services.checkin_mark_undelivered(checkin=checkin, reason=reason, now=now)
    except Exception:
        logger.exception("Check-in %s: could not record the failure", checkin_id)


def _send_one(pk: int, *, now: dt.datetime) -> bool:
    """In one transaction: take the row (conditional UPDATE), issue its link, queue its
    message. A crash anywhere rolls all of it back, so nothing is held by a dead worker."""
    with transaction.atomic():
        due = CheckIn.objects.filter(
            pk=pk, status=CheckInStatus.SCHEDULED, due_at__lte=now, expires_at__gt=now
        )
        waiting = due.select_related("patient").first()
        if waiting is None:
            return False
        # Never to a discharged patient, or to nobody: recorded on the check-in instead.
        refusal = services.checkin_send_refusal(waiting.patient)
        if refusal:
            services.checkin_refuse_send(checkin=waiting, reason=refusal, now=now)
            return False
        taken = due.update(status=CheckInStatus.SENT, sent_at=now)
        if not taken:
            return False  # another worker sent it, or it was cancelled meanwhile
        checkin = CheckIn.objects.select_related("patient__clinic").get(pk=pk)
        pause_for_tests("checkin_send")
        services.checkin_send(checkin, now=now)
    return True


def send_due(*, now: dt.datetime, worker: str = "", limit: int = 100) -> int:
    """Queue the messages of scheduled check-ins that are due; return how many.

    Any number of workers may run this at once: each row is taken by one conditional
    UPDATE, so only one of them queues its message.
    """
    candidates = list(
        CheckIn.objects.filter(
            status=CheckInStatus.SCHEDULED, due_at__lte=now, expires_at__gt=now
        ).values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in candidates:
        try:
            sent += _send_one(pk, now=now)
        except Exception as exc:
            _record_failure(pk, exc, now=now, step="send")
    return sent


def _remind_one(pk: int, *, now: dt.datetime) -> bool:
    with transaction.atomic():
        taken = CheckIn.objects.filter(
            pk=pk, reminded_at__isnull=True, status__in=OPEN_STATUSES, expires_at__gt=now
        ).update(reminded_at=now)
        if not taken:
            return False
        checkin = CheckIn.objects.select_related("patient__clinic").get(pk=pk)
        refusal = services.checkin_send_refusal(checkin.patient)
        if refusal:  # reminded_at stays set: the reason is recorded once, not every round
            if checkin.patient.phase == Phase.DISCHARGED:
                services.checkin_cancel(checkin=checkin, reason=refusal, now=now)
            else:
                CheckInEvent.objects.create(
                    checkin=checkin, event="remind_skipped", detail=refusal[:300], at=now
                )
            return False
        services.checkin_send(checkin, now=now, reminder=True)
    return True


def remind_due(*, now: dt.datetime) -> int:
    """Queue one reminder for check-ins sent long enough ago and still unanswered.

    reminded_at records that the reminder was queued; the "reminded" event, that it left.
    """
    count = 0
    for checkin in CheckIn.objects.filter(
        status__in=OPEN_STATUSES, reminded_at__isnull=True, expires_at__gt=now
    ).select_related("patient__clinic"):
        hours = ClinicalSettings.of(checkin.patient.clinic).checkin_reminder_hours
        if not checkin.sent_at or now - checkin.sent_at < dt.timedelta(hours=hours):
            continue
        try:
            count += _remind_one(checkin.pk, now=now)
        except Exception as exc:
            _record_failure(checkin.pk, exc, now=now, step="remind")
    return count


def _plan(patient: Patient) -> MeasurementPlan | None:
    return MeasurementPlan.objects.filter(patient=patient).first()


def interval_days(
    patient: Patient, phase: Phase, plan: MeasurementPlan | None = None
) -> int | None:
    """Return days between calendar check-ins: the patient's plan, else the clinic's, else ours."""
    if plan is not None and phase.value in plan.interval_days:
        value = plan.interval_days[phase.value]
        return int(value) if value else None
    return ClinicalSettings.of(patient.clinic).interval_days(phase)


def calendar_instruments(plan: MeasurementPlan | None) -> list[str]:
    return (
        list(plan.calendar_instruments)
        if plan and plan.calendar_instruments
        else list(CALENDAR_INSTRUMENTS)
    )


def schedule_calendar(*, now: dt.datetime) -> int:
    """Create this period's calendar check-in for every followed patient; idempotent."""
    created = 0
    phases = list(PLAN_PHASES)
    followed = Patient.objects.filter(phase__in=phases).select_related("clinic")
    plans = {p.patient_id: p for p in MeasurementPlan.objects.filter(patient__in=followed)}
    # Every calendar slot that could be current (intervals are at most 90 days) in one query,
    # so a round with nothing to do costs three queries, not two per patient.
    existing = set(
        CheckIn.objects.filter(
            patient__in=followed,
            schedule_key__startswith="cal:",
            created_at__gte=now - dt.timedelta(days=91),
        ).values_list("patient_id", "schedule_key")
    )
    for patient in followed:
        plan = plans.get(patient.pk)
        days = interval_days(patient, Phase(patient.phase), plan)
        if not days:
            continue
        tz = zoneinfo.ZoneInfo(patient.clinic.time_zone)
        local = now.astimezone(tz)
        slot = local.date().toordinal() // days
        key = f"cal:{patient.phase}:{days}:{slot}"
        if (patient.pk, key) in existing:
            continue
        day = dt.date.fromordinal(slot * days)
        due = dt.datetime.combine(max(day, local.date()), dt.time(SEND_HOUR_LOCAL), tz)
        try:
            with transaction.atomic():
                services.checkin_create(
                    patient=patient,
                    instruments_=calendar_instruments(plan),
                    context=Context.WEEKLY,
                    due_at=due,
                    schedule_key=key,
                    now=now,
                )
            created += 1
        except IntegrityError:
            pass  # another worker created it between our check and insert
        except Exception:  # one patient's broken plan must not stop everyone else's
            logger.exception("Could not schedule the calendar check-in of patient %s", patient.pk)
    return created


def schedule_after_dose(
    *, patient: Patient, dosed_at: dt.datetime, now: dt.datetime | None = None
) -> list[CheckIn]:
    """Create the check-ins tied to one dose (24 h and 7 days after); idempotent.

    Returns the rows made. A time point whose window has already closed (a dose recorded
    late, or a mistyped year) is kept as "cancelled" with the reason instead of being sent:
    its link would have expired before the patient could open it. Returns nothing if the
    patient's plan turns dose-tied check-ins off; refused (ValidationError) for a discharged
    patient.
    """
    now = now or timezone.now()
    if patient.phase == Phase.DISCHARGED:
        raise ValidationError(services.DISCHARGED_REFUSAL)
    plan = _plan(patient)
    if plan is not None and not plan.after_dose:
        return []
    made = []
    for offset, context, codes in AFTER_DOSE:
        key = f"dose:{dosed_at.isoformat()}:{context}"
        if CheckIn.objects.filter(patient=patient, schedule_key=key).exists():
            continue
        with transaction.atomic():
            checkin = services.checkin_create(
                patient=patient,
                instruments_=codes,
                context=context,
                due_at=dosed_at + offset,
                schedule_key=key,
                now=now,
            )
            if checkin.expires_at <= now:
                _record_not_sent(checkin, closed=checkin.expires_at, now=now)
        made.append(checkin)
    return made


def _record_not_sent(checkin: CheckIn, *, closed: dt.datetime, now: dt.datetime) -> None:
    tz = zoneinfo.ZoneInfo(checkin.patient.clinic.time_zone)
    CheckIn.objects.filter(pk=checkin.pk).update(status=CheckInStatus.CANCELLED)
    checkin.status = CheckInStatus.CANCELLED
    CheckInEvent.objects.create(
        checkin=checkin,
        event="not_sent",
        detail=f"Not sent: its window closed {closed.astimezone(tz):%d %b %Y %H:%M} "
        "(clinic time), before the dose was recorded.",
        at=now,
    )


STEPS: list[tuple[str, Callable[[dt.datetime, str], object]]] = [
    ("scheduled", lambda now, w: schedule_calendar(now=now)),
    ("sent", lambda now, w: send_due(now=now, worker=w)),
    ("reminded", lambda now, w: remind_due(now=now)),
    ("missed", lambda now, w: services.checkins_expire(now=now)),
    ("delivered", lambda now, w: deliver_due(now=now, worker=w)["sent"]),
]


def run_once(*, now: dt.datetime, worker: str) -> dict[str, int]:
    """One round. Each step is its own failure boundary: a broken step is logged and
    the round goes on to the next (its items were already kept or rolled back)."""
    done: dict[str, int] = {}
    for name, step in STEPS:
        try:
            done[name] = int(step(now, worker))  # type: ignore[call-overload]
        except Exception:
            logger.exception("Worker step %s failed; going on", name)
            done[name] = 0
    return done
