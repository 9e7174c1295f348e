"""Reads of patient data. Access is decided in accounts.access; these only shape data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Min, Prefetch, QuerySet

from ketacare.alerts.models import Alert, AlertSeverity, AlertStatus
from ketacare.audit.models import AccessEvent
from ketacare.core.reference_points import TREATMENT_PHASES
from ketacare.measures.models import Amendment, MeasurementPlan, Response
from ketacare.patients.fields import EDITABLE_FIELDS
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


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class AuditEntry:
    at: dt.datetime
    who: str
    what: str
    reason: str = ""
    changes: list[FieldChange] = field(default_factory=list)
    kind: str = "change"  # "change" or "access"


def _display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


def _field_value(model_field: Any, value: Any) -> str:
    """Show a stored value as a person reads it: choice labels, not codes or row ids."""
    if model_field.is_relation:
        return "linked" if value else "—"
    if model_field.choices:
        return _display(dict(model_field.flatchoices).get(value, value))
    return _display(value)


def _history_entries(records: list[Any], label: str) -> list[AuditEntry]:
    """Turn simple-history rows (oldest first) into entries with field-level changes."""
    entries: list[AuditEntry] = []
    previous = None
    for record in records:
        who = str(record.history_user) if record.history_user else "system"
        reason = record.history_change_reason or ""
        if previous is None or record.history_type == "+":
            entries.append(AuditEntry(record.history_date, who, f"{label} created", reason))
        else:
            delta = record.diff_against(previous)
            changes = []
            for change in delta.changes:
                model_field = record.instance._meta.get_field(change.field)
                old = _field_value(model_field, change.old)
                new = _field_value(model_field, change.new)
                changes.append(FieldChange(str(model_field.verbose_name), old, new))
            entries.append(
                AuditEntry(record.history_date, who, f"{label} changed", reason, changes)
            )
        previous = record
    return entries


def patient_audit_trail(patient: Patient) -> list[AuditEntry]:
    """Return every change to the patient's record and every read of it, newest first."""
    records = list(
        patient.history.select_related("history_user").order_by("history_date", "history_id")
    )
    entries = _history_entries(records, "Patient record")
    team_ids = CareTeamMember.objects.filter(patient=patient).values_list("pk", flat=True)
    team_history = CareTeamMember.history.filter(id__in=list(team_ids)).select_related(
        "history_user"
    )
    by_member: dict[int, list[Any]] = {}
    for record in team_history.order_by("history_date", "history_id"):
        by_member.setdefault(record.id, []).append(record)
    for member_records in by_member.values():
        entries.extend(_history_entries(member_records, "Care team assignment"))
    entries.extend(_measure_entries(patient))
    for event in AccessEvent.objects.filter(patient=patient).select_related("actor"):
        entries.append(
            AuditEntry(event.at, str(event.actor), event.get_action_display(), "", [], "access")
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def _measure_entries(patient: Patient) -> list[AuditEntry]:
    """Questionnaire corrections and check-in plan changes, for the audit trail."""
    entries = []
    amendments = Amendment.objects.filter(response__patient=patient).select_related(
        "response", "amended_by"
    )
    for a in amendments:
        title = (
            f"{a.response.get_instrument_display()} of {a.response.collected_at:%d %b %Y} corrected"
        )
        changes = [FieldChange("total", _display(a.total_before), _display(a.total_after))]
        changes += [
            FieldChange(f"item {k}", _display(a.answers_before.get(k)), _display(v))
            for k, v in a.answers_after.items()
            if a.answers_before.get(k) != v
        ]
        entries.append(AuditEntry(a.amended_at, str(a.amended_by), title, a.reason, changes))
    plan = MeasurementPlan.objects.filter(patient=patient).first()
    if plan is not None:
        records = list(plan.history.select_related("history_user").order_by("history_date"))
        entries.extend(_history_entries(records, "Check-in plan"))
    return entries


def patient_export(patient: Patient) -> dict[str, Any]:
    """Return the patient's record as plain data for a download."""
    data: dict[str, Any] = {"clinic": patient.clinic.name, "phase": patient.phase}
    for name in EDITABLE_FIELDS:
        value = getattr(patient, name)
        data[name] = value.isoformat() if isinstance(value, dt.date) else value
    data["phase_history"] = [
        {
            "from": c.from_phase,
            "to": c.to_phase,
            "reason": c.reason,
            "by": str(c.changed_by),
            "at": c.changed_at.isoformat(),
        }
        for c in PhaseChange.objects.filter(patient=patient).select_related("changed_by")
    ]
    data["care_team"] = [
        {
            "name": m.staff_member.user.full_name,
            "role": m.role,
            "from": m.started_at.isoformat(),
            "to": m.ended_at.isoformat() if m.ended_at else None,
        }
        for m in CareTeamMember.objects.filter(patient=patient).select_related("staff_member__user")
    ]
    return data
