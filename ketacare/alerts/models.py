"""Alerts: signals a named person must handle (open -> acknowledged -> resolved).

This is the minimal model the check-in feature needs so that a safety flag reaches the
care team at once; the detection issue adds the worklist, actions and rules on top.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class AlertSeverity(models.TextChoices):
    URGENT = "urgent", "Urgent"
    WARNING = "warning", "Warning"
    INFO = "info", "Info"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class Alert(models.Model):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=40)  # the signal's code, e.g. "phq9_item9"
    severity = models.CharField(max_length=8, choices=AlertSeverity.choices)
    status = models.CharField(max_length=14, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    title = models.CharField(max_length=200)
    evidence = models.JSONField(default=dict)
    response = models.ForeignKey(
        "measures.Response", on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    # Two times, both shown: when the data that raised the alert was collected (the patient
    # answered on Sunday night) and when ketacare raised the alert (the answer synced on
    # Monday morning). A late sync must not make an old answer look fresh, nor hide it.
    triggered_at = models.DateTimeField(
        help_text="When the data that raised the alert was collected."
    )
    raised_at = models.DateTimeField(
        default=timezone.now, help_text="When ketacare raised the alert."
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-triggered_at"]
        indexes = [models.Index(fields=["patient", "status"])]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.title}"
