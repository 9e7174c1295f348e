"""Reads of alerts, for the pages that show them (chart, triage list, trail, export)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from ketacare.alerts.models import Alert, AlertSeverity, AlertStatus

if TYPE_CHECKING:
    from ketacare.patients.models import Patient


def unresolved() -> QuerySet[Alert]:
    """Alerts someone still has to handle (open or acknowledged), of every patient.

    A queryset, so the triage list can count them per patient in a subquery.
    """
    return Alert.objects.exclude(status=AlertStatus.RESOLVED)


def open_alerts(patient: Patient) -> list[Alert]:
    """The patient's alerts not yet resolved, urgent first, newest first."""
    rows = unresolved().filter(patient=patient)
    return sorted(
        rows, key=lambda a: (a.severity != AlertSeverity.URGENT, -a.triggered_at.timestamp())
    )


def patient_alerts(patient: Patient, *, oldest_first: bool = False) -> QuerySet[Alert]:
    """Every alert of the patient, newest first (or oldest first, for a record in order)."""
    rows = Alert.objects.filter(patient=patient)
    return rows.order_by("triggered_at", "pk") if oldest_first else rows


def patient_alert_history(patient: Patient) -> QuerySet[Any]:
    """Every recorded version of the patient's alerts (raised, then each time handled)."""
    ids = patient_alerts(patient).values("pk")
    return Alert.history.filter(id__in=ids).select_related("history_user")
