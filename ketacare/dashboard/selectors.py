"""Reads for the staff pages that join the record across apps (the chart's alerts and timeline)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ketacare.alerts.selectors import patient_alerts
from ketacare.measures.models import Response
from ketacare.patients.models import CareTeamMember, Patient, PhaseChange


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
    for a in patient_alerts(patient)[:100]:
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
