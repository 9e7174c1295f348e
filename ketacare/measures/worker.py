"""Background steps for check-ins, run by `manage.py worker`.

Each step returns how much it did. Sending claims each row with one UPDATE ... WHERE
claimed_at IS NULL; only the worker whose UPDATE changed the row sends it, so any number
of workers, on SQLite or PostgreSQL, never send the same check-in twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.db import IntegrityError, transaction

from ketacare.core.phases import Phase
from ketacare.measures import services
from ketacare.measures.models import (
    CheckIn,
    CheckInEvent,
    CheckInStatus,
    Context,
    MeasurementPlan,
)
from ketacare.patients.models import Patient

logger = logging.getLogger(__name__)

# Calendar check-ins by phase (days between them) and what they ask. The defaults:
# weekly in induction, every two weeks in maintenance; paused patients monthly so that no
# one is lost. A clinic overrides them in clinical_settings["checkin_interval_days"].
DEFAULT_INTERVAL_DAYS = {Phase.INDUCTION: 7, Phase.MAINTENANCE: 14, Phase.PAUSED: 28}
CALENDAR_INSTRUMENTS = ["gad7", "phq9"]
# Tied to each dose: anxiety falls within an hour and fades over about a week [K35][K42],
# so scores are taken 24 h (the Otago primary time point [K40]) and 7 days after a dose.
AFTER_DOSE = [
    (dt.timedelta(hours=24), Context.POST_24H, ["gad7", "side_effects"]),
    (dt.timedelta(days=7), Context.POST_7D, ["gad7", "phq9", "bladder"]),
]
SEND_HOUR_LOCAL = 9  # calendar check-ins go out at 09:00 clinic time


def claim(checkin_id: int, *, worker: str, now: dt.datetime) -> bool:
    updated = CheckIn.objects.filter(
        pk=checkin_id, status=CheckInStatus.SCHEDULED, claimed_at__isnull=True
    ).update(claimed_by=worker, claimed_at=now)
    return updated == 1


def send_due(*, now: dt.datetime, worker: str, limit: int = 100) -> int:
    """Send scheduled check-ins that are due. Return how many this worker sent."""
    candidates = list(
        CheckIn.objects.filter(
            status=CheckInStatus.SCHEDULED, due_at__lte=now, claimed_at__isnull=True
        ).values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in candidates:
        if not claim(pk, worker=worker, now=now):
            continue  # another worker got there first
        checkin = CheckIn.objects.select_related("patient__clinic").get(pk=pk)
        try:
            with transaction.atomic():
                services.checkin_send(checkin, now=now)
            sent += 1
        except Exception as exc:
            # Release the claim so the next round tries again; keep the failure on record.
            logger.exception("Sending check-in %s failed", pk)
            CheckIn.objects.filter(pk=pk).update(claimed_by="", claimed_at=None)
            CheckInEvent.objects.create(
                checkin=checkin, event="send_failed", detail=str(exc)[:200], at=now
            )
    return sent


def remind_due(*, now: dt.datetime) -> int:
    """Send one reminder for check-ins sent long enough ago and still unanswered."""
    count = 0
    for checkin in CheckIn.objects.filter(
        status__in=[CheckInStatus.SENT, CheckInStatus.OPENED],
        reminded_at__isnull=True,
        expires_at__gt=now,
    ).select_related("patient__clinic"):
        hours = services.clinic_setting(
            checkin.patient, "checkin_reminder_hours", services.DEFAULT_REMINDER_HOURS
        )
        if checkin.sent_at and now - checkin.sent_at >= dt.timedelta(hours=hours):
            updated = CheckIn.objects.filter(pk=checkin.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if updated:
                with transaction.atomic():
                    services.checkin_send(checkin, now=now, reminder=True)
                count += 1
    return count


def _plan(patient: Patient) -> MeasurementPlan | None:
    return MeasurementPlan.objects.filter(patient=patient).first()


def interval_days(
    patient: Patient, phase: Phase, plan: MeasurementPlan | None = None
) -> int | None:
    """Return days between calendar check-ins: the patient's plan, else the clinic's, else ours."""
    if plan is not None and phase.value in plan.interval_days:
        value = plan.interval_days[phase.value]
    else:
        custom = patient.clinic.clinical_settings.get("checkin_interval_days", {})
        value = custom.get(phase.value, DEFAULT_INTERVAL_DAYS.get(phase))
    return int(value) if value else None


def calendar_instruments(plan: MeasurementPlan | None) -> list[str]:
    return (
        list(plan.calendar_instruments)
        if plan and plan.calendar_instruments
        else list(CALENDAR_INSTRUMENTS)
    )


def schedule_calendar(*, now: dt.datetime) -> int:
    """Create this period's calendar check-in for every followed patient; idempotent."""
    created = 0
    phases = [p.value for p in DEFAULT_INTERVAL_DAYS]
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
    return created


def schedule_after_dose(*, patient: Patient, dosed_at: dt.datetime) -> list[CheckIn]:
    """Create the check-ins tied to one dose (24 h and 7 days after); idempotent.

    Returns nothing if the patient's plan turns dose-tied check-ins off.
    """
    plan = _plan(patient)
    if plan is not None and not plan.after_dose:
        return []
    made = []
    for offset, context, codes in AFTER_DOSE:
        key = f"dose:{dosed_at.isoformat()}:{context}"
        if CheckIn.objects.filter(patient=patient, schedule_key=key).exists():
            continue
        made.append(
            services.checkin_create(
                patient=patient,
                instruments_=codes,
                context=context,
                due_at=dosed_at + offset,
                schedule_key=key,
            )
        )
    return made


def run_once(*, now: dt.datetime, worker: str) -> dict[str, int]:
    return {
        "scheduled": schedule_calendar(now=now),
        "sent": send_due(now=now, worker=worker),
        "reminded": remind_due(now=now),
        "missed": services.checkins_expire(now=now),
    }
