"""A patient's audit trail: every clinical write and every read, as one list.

Gathered from where each fact is kept: simple-history (the record, care team, alerts,
check-in plan), the questionnaire and amendment rows, the check-in delivery record, and
the access log. The audit page filters it by kind, person and date; reads are many and
are folded away unless asked for.

It reads every clinical app, so it belongs above them; it lives beside the patient pages
until the apps are layered.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from ketacare.alerts.selectors import patient_alert_history
from ketacare.audit.selectors import access_events_for
from ketacare.checkins.models import CheckInEvent, MeasurementPlan
from ketacare.measures.models import Amendment, Response
from ketacare.patients.models import CareTeamMember, Patient

KINDS = {
    "record": "Record changes",
    "phase": "Phase moves",
    "care_team": "Care team",
    "questionnaire": "Questionnaires",
    "amendment": "Corrections",
    "alert": "Alerts",
    "checkin": "Check-ins",
    "plan": "Check-in plan",
    "read": "Reads",
}
SYSTEM = "system"
CHECKIN_STEPS = {
    "created": "Check-in scheduled",
    "queued": "Check-in message queued",
    "sent": "Check-in sent",
    "send_failed": "Check-in message failed (will retry)",
    "undelivered": "Check-in could not be sent",
    "reminder_queued": "Check-in reminder queued",
    "remind_failed": "Check-in reminder failed (will retry)",
    "replaced": "Missed check-in: a new one sent instead",
    "resent": "Check-in re-sent",
    "reminded": "Check-in reminder sent",
    "opened": "Check-in opened",
    "started": "Check-in started",
    "submitted": "Check-in answered",
    "missed": "Check-in missed",
    "cancelled": "Check-in cancelled",
}


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
    kind: str = "record"

    @property
    def reason_is_given(self) -> bool:
        """Whether `reason` is why a person made the change (else it only describes it)."""
        return self.kind in ("record", "phase", "care_team", "plan", "amendment")

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)


@dataclass(frozen=True)
class TrailFilter:
    kinds: tuple[str, ...] = ()
    who: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    show_reads: bool = False

    def keeps(self, entry: AuditEntry) -> bool:
        if self.kinds and entry.kind not in self.kinds:
            return False
        if entry.kind == "read" and not (self.show_reads or "read" in self.kinds):
            return False
        if self.who and entry.who != self.who:
            return False
        day = timezone.localdate(entry.at)
        if self.since and day < self.since:
            return False
        return not (self.until and day > self.until)


@dataclass
class Trail:
    entries: list[AuditEntry]
    people: list[str]
    reads_folded: int


def _display(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _field_value(model_field: Any, value: Any) -> str:
    """Show a stored value as a person reads it: choice labels, not codes or row ids."""
    if model_field.is_relation:
        return "linked" if value else "—"
    if model_field.choices:
        return _display(dict(model_field.flatchoices).get(value, value))
    return _display(value)


def _who(record: Any) -> str:
    return str(record.history_user) if record.history_user_id else SYSTEM


def _history_entries(records: list[Any], label: str, kind: str) -> list[AuditEntry]:
    """Turn simple-history rows (oldest first) into entries with field-level changes."""
    entries: list[AuditEntry] = []
    previous = None
    for record in records:
        reason = record.history_change_reason or ""
        if previous is None or record.history_type == "+":
            entries.append(
                AuditEntry(record.history_date, _who(record), f"{label} created", reason, kind=kind)
            )
        else:
            changes = []
            for change in record.diff_against(previous).changes:
                model_field = record.instance._meta.get_field(change.field)
                old = _field_value(model_field, change.old)
                new = _field_value(model_field, change.new)
                changes.append(FieldChange(str(model_field.verbose_name), old, new))
            entry_kind = "phase" if [c.field for c in changes] == ["phase"] else kind
            entries.append(
                AuditEntry(
                    record.history_date,
                    _who(record),
                    f"{label} changed",
                    reason,
                    changes,
                    entry_kind,
                )
            )
        previous = record
    return entries


def _grouped_history(model: Any, ids: list[int], label: str, kind: str) -> list[AuditEntry]:
    rows = model.history.filter(id__in=ids).select_related("history_user")
    by_object: dict[int, list[Any]] = {}
    for record in rows.order_by("history_date", "history_id"):
        by_object.setdefault(record.id, []).append(record)
    entries: list[AuditEntry] = []
    for records in by_object.values():
        entries.extend(_history_entries(records, label, kind))
    return entries


def _record_entries(patient: Patient) -> list[AuditEntry]:
    records = list(
        patient.history.select_related("history_user").order_by("history_date", "history_id")
    )
    entries = _history_entries(records, "Patient record", "record")
    team = list(CareTeamMember.objects.filter(patient=patient).values_list("pk", flat=True))
    entries += _grouped_history(CareTeamMember, team, "Care team assignment", "care_team")
    plan = MeasurementPlan.objects.filter(patient=patient).first()
    if plan is not None:
        records = list(plan.history.select_related("history_user").order_by("history_date"))
        entries += _history_entries(records, "Check-in plan", "plan")
    return entries


def _questionnaire_entries(patient: Patient) -> list[AuditEntry]:
    entries = []
    for r in Response.objects.filter(patient=patient).select_related("collected_by"):
        result = f"total {r.total} ({r.band})" if r.total is not None else f"{r.risk} risk"
        answered = timezone.localtime(r.collected_at)
        who = (
            str(r.collected_by)
            if r.collected_by_id
            else f"Patient ({r.get_source_display().lower()})"
        )
        entries.append(
            AuditEntry(
                r.created_at,
                who,
                f"{r.get_instrument_display()} recorded: {result}",
                f"{r.get_source_display()}, answered {answered:%d %b %Y %H:%M}",
                kind="questionnaire",
            )
        )
    amendments = Amendment.objects.filter(response__patient=patient).select_related(
        "response", "amended_by"
    )
    for a in amendments:
        answered = timezone.localtime(a.response.collected_at)
        title = f"{a.response.get_instrument_display()} of {answered:%d %b %Y} corrected"
        changes = [FieldChange("total", _display(a.total_before), _display(a.total_after))]
        changes += [
            FieldChange(f"item {k}", _display(a.answers_before.get(k)), _display(v))
            for k, v in a.answers_after.items()
            if a.answers_before.get(k) != v
        ]
        entries.append(
            AuditEntry(a.amended_at, str(a.amended_by), title, a.reason, changes, "amendment")
        )
    return entries


def _alert_entries(patient: Patient) -> list[AuditEntry]:
    rows = patient_alert_history(patient)
    by_alert: dict[int, list[Any]] = {}
    for record in rows.order_by("history_date", "history_id"):
        by_alert.setdefault(record.id, []).append(record)
    entries: list[AuditEntry] = []
    for records in by_alert.values():
        for entry, record in zip(_history_entries(records, "Alert", "alert"), records, strict=True):
            if entry.what == "Alert created":
                entry.what = f"{record.get_severity_display()} alert raised"
                entry.reason = record.title
            else:
                entry.what = "Alert handled"
                entry.reason = entry.reason or record.title
            entries.append(entry)
    return entries


def _checkin_entries(patient: Patient) -> list[AuditEntry]:
    events = CheckInEvent.objects.filter(checkin__patient=patient).select_related("checkin")
    entries = []
    for e in events:
        what = CHECKIN_STEPS.get(e.event, f"Check-in: {e.event}")
        how = f"by {e.channel}" if e.channel else ""
        detail = "; ".join(x for x in (e.checkin.get_context_display(), how, e.detail) if x)
        entries.append(AuditEntry(e.at, _checkin_actor(e.detail), what, detail, kind="checkin"))
    return entries


def _checkin_actor(detail: str) -> str:
    """The delivery record names a person only in its detail ("re-sent by Ada Admin")."""
    if " by " in detail and not detail.startswith("asked for by"):
        return detail.split(" by ", 1)[1]
    if detail.startswith("asked for by the patient"):
        return "Patient"
    return SYSTEM


def _read_entries(patient: Patient) -> list[AuditEntry]:
    return [
        AuditEntry(e.at, e.actor_label, e.get_action_display(), e.path, kind="read")
        for e in access_events_for(patient)
    ]


def patient_audit_trail(patient: Patient, filters: TrailFilter | None = None) -> Trail:
    """Every write to the patient's record and every read of it, newest first, filtered."""
    filters = filters or TrailFilter()
    every = (
        _record_entries(patient)
        + _questionnaire_entries(patient)
        + _alert_entries(patient)
        + _checkin_entries(patient)
        + _read_entries(patient)
    )
    every.sort(key=lambda e: e.at, reverse=True)
    kept = [e for e in every if filters.keeps(e)]
    unfolded = TrailFilter(filters.kinds, filters.who, filters.since, filters.until, True)
    folded = sum(1 for e in every if e.kind == "read" and unfolded.keeps(e)) - sum(
        1 for e in kept if e.kind == "read"
    )
    return Trail(kept, sorted({e.who for e in every}), folded)
