"""Reads of patient data. Access is decided in accounts.access; these only shape data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Min, Prefetch, QuerySet

from ketacare.alerts.models import Alert, AlertSeverity, AlertStatus
from ketacare.core.reference_points import TREATMENT_PHASES
from ketacare.measures.models import Response
from ketacare.patients.models import CareTeamMember, Patient, PatientQuerySet, PhaseChange

SORTS = {
    "name": ("family_name", "given_name"),
    "-name": ("-family_name", "-given_name"),
    "mrn": ("mrn",),
    "-mrn": ("-mrn",),
    "phase": ("phase", "family_name"),
    "updated": ("-updated_at",),
    "birth_date": ("birth_date",),
    # Needs the triage annotations (patients.triage.with_triage); see that module.
    "attention": ("attention", "-urgent_alert_count", "-alert_count", "family_name", "given_name"),
}


def patient_list(
    patients: PatientQuerySet,
    *,
    q: str = "",
    phase: str = "",
    team_member: int | None = None,
    sort: str = "name",
) -> QuerySet[Patient]:
    qs = patients.search(q)
    if phase:
        qs = qs.filter(phase=phase)
    if team_member:
        # A subquery, not a join: no duplicate rows, so no DISTINCT, and the page count can
        # drop the triage annotations (with DISTINCT it would compute them for every patient).
        on_team = CareTeamMember.objects.current().filter(staff_member_id=team_member)
        qs = qs.filter(pk__in=on_team.values("patient_id"))
    current_team = CareTeamMember.objects.current().select_related("staff_member__user")
    return qs.order_by(*SORTS.get(sort, SORTS["name"]), "pk").prefetch_related(
        Prefetch("care_team", queryset=current_team, to_attr="current_team")
    )


def treatment_starts(patient_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When each patient first entered a treatment phase (the reference for baseline)."""
    rows = (
        PhaseChange.objects.filter(
            patient_id__in=list(patient_ids),
            to_phase__in=[p.value for p in TREATMENT_PHASES],
        )
        .values("patient_id")
        .annotate(first=Min("changed_at"))
    )
    return {row["patient_id"]: row["first"] for row in rows}


def open_alerts(patient: Patient) -> list[Alert]:
    """Alerts not yet resolved, urgent first, newest first."""
    rows = Alert.objects.filter(patient=patient).exclude(status=AlertStatus.RESOLVED)
    return sorted(
        rows, key=lambda a: (a.severity != AlertSeverity.URGENT, -a.triggered_at.timestamp())
    )


def care_team_current(patient: Patient) -> list[CareTeamMember]:
    return list(
        CareTeamMember.objects.current()
        .filter(patient=patient)
        .select_related("staff_member__user")
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # "phase", "care_team", "score", "alert"; later features add doses and sessions
    title: str
    detail: str
    by: str


def patient_timeline(patient: Patient) -> list[TimelineEntry]:
    """Return what happened in the patient's care, newest first."""
    entries: list[TimelineEntry] = []
    for change in PhaseChange.objects.filter(patient=patient).select_related("changed_by"):
        title = (
            f"Registered in {change.get_to_phase_display().lower()}"
            if not change.from_phase
            else f"{change.get_from_phase_display()} → {change.get_to_phase_display()}"
        )
        detail = "" if change.reason == "Registered" else change.reason
        entries.append(
            TimelineEntry(change.changed_at, "phase", title, detail, str(change.changed_by))
        )
    team = CareTeamMember.objects.filter(patient=patient).select_related("staff_member__user")
    for member in team:
        who = member.staff_member.user.full_name
        entries.append(
            TimelineEntry(
                member.started_at,
                "care_team",
                f"{who} joined as {member.get_role_display().lower()}",
                "",
                "",
            )
        )
        if member.ended_at:
            entries.append(
                TimelineEntry(
                    member.ended_at,
                    "care_team",
                    f"{who} left the care team ({member.get_role_display().lower()})",
                    "",
                    "",
                )
            )
    for r in Response.objects.filter(patient=patient).select_related("collected_by")[:100]:
        result = f"{r.total} ({r.band})" if r.total is not None else f"{r.risk} risk"
        flags = "; ".join(f["message"] for f in r.flags)
        entries.append(
            TimelineEntry(
                r.collected_at,
                "score",
                f"{r.get_instrument_display()}: {result}",
                flags,
                str(r.collected_by or r.get_source_display()),
            )
        )
    for a in Alert.objects.filter(patient=patient)[:100]:
        entries.append(
            TimelineEntry(
                a.triggered_at,
                "alert",
                f"{a.get_severity_display()} alert ({a.get_status_display().lower()})",
                a.title,
                "",
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
