"""Reads for check-ins: what a patient has open, and the coordinator's list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet

from ketacare.checkins.models import OPEN_STATUSES, CheckIn, CheckInStatus
from ketacare.core.phases import Phase
from ketacare.patients.models import Patient


def open_checkins(patient: Patient) -> list[CheckIn]:
    return list(
        CheckIn.objects.filter(patient=patient, status__in=OPEN_STATUSES).order_by("due_at")
    )


@dataclass
class WorklistGroup:
    """One patient on the coordinator's list, with the check-ins that need a person."""

    patient: Patient
    undelivered: list[CheckIn] = field(default_factory=list)
    missed: list[CheckIn] = field(default_factory=list)
    waiting: list[CheckIn] = field(default_factory=list)

    @property
    def needs_action(self) -> bool:
        return bool(self.undelivered or self.missed)

    @property
    def latest_due(self) -> dt.datetime:
        return max(c.due_at for c in (*self.undelivered, *self.missed, *self.waiting))


WORKLIST_LIMIT = 500


def worklist_groups(
    patients: QuerySet[Patient],
    *,
    now: dt.datetime,
    days: int | None,
    include_discharged: bool,
) -> list[WorklistGroup]:
    """Could not send, missed and waiting check-ins of these patients, one group each.

    Patients with something to act on (could not send, missed) come first, most recent
    first: a miss this week needs a call before one from months ago. One query.
    """
    rows = CheckIn.objects.filter(
        patient__in=patients,
        status__in=[CheckInStatus.UNDELIVERED, CheckInStatus.MISSED, *OPEN_STATUSES],
    )
    if days is not None:
        rows = rows.filter(due_at__gte=now - dt.timedelta(days=days))
    if not include_discharged:
        rows = rows.exclude(patient__phase=Phase.DISCHARGED)
    groups: dict[int, WorklistGroup] = {}
    for c in rows.select_related("patient").order_by("-due_at", "-pk")[:WORKLIST_LIMIT]:
        group = groups.setdefault(c.patient_id, WorklistGroup(c.patient))
        if c.status == CheckInStatus.UNDELIVERED:
            group.undelivered.append(c)
        elif c.status == CheckInStatus.MISSED:
            group.missed.append(c)
        else:
            group.waiting.insert(0, c)  # soonest due first
    return sorted(groups.values(), key=lambda g: (not g.needs_action, -g.latest_due.timestamp()))
