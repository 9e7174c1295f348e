"""Check-ins: a request for a patient to answer questionnaires, its delivery record, its
secure links, and a patient's own check-in plan.

These models lived in `measures` and kept their tables when they moved here (`db_table`, the
history tables too; see migrations/0001_initial.py), so a clinic's data stays where it was.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from simple_history.models import HistoricalRecords

from ketacare.core import instruments
from ketacare.measures.models import Context


class CheckInStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENT = "sent", "Sent"
    OPENED = "opened", "Opened"
    STARTED = "started", "Started"
    SUBMITTED = "submitted", "Submitted"
    MISSED = "missed", "Missed"
    UNDELIVERED = "undelivered", "Could not send"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (CheckInStatus.SENT, CheckInStatus.OPENED, CheckInStatus.STARTED)


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    PORTAL = "portal", "Portal only"


class CheckIn(models.Model):
    """A request for a patient to answer some questionnaires, with its delivery record."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="checkins"
    )
    instruments = models.JSONField()  # instrument codes, in the order asked
    context = models.CharField(max_length=12, choices=Context.choices)
    due_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=CheckInStatus.choices, default=CheckInStatus.SCHEDULED, db_index=True
    )
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    draft = models.JSONField(default=dict, blank=True)  # {instrument: {item: value}}
    # delivery record
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    missed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Why it could not be sent (shown to the coordinator), and how many times preparing
    # it failed; the message itself is retried by the outbox.
    send_problem = models.CharField(max_length=300, blank=True)
    send_failures = models.PositiveSmallIntegerField(default=0)
    # When the patient last asked for a new link: one conditional UPDATE on it lets only
    # one of several simultaneous requests through.
    renew_requested_at = models.DateTimeField(null=True, blank=True)
    schedule_key = models.CharField(max_length=80, blank=True)  # de-duplicates generated rows
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(
        excluded_fields=["draft", "send_failures", "renew_requested_at"],
        table_name="measures_historicalcheckin",
    )

    class Meta:
        db_table = "measures_checkin"
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "schedule_key"],
                condition=~models.Q(schedule_key=""),
                name="one_checkin_per_schedule_slot",
            )
        ]

    def __str__(self) -> str:
        return f"Check-in {self.pk} ({', '.join(self.instruments)}) due {self.due_at:%Y-%m-%d}"

    @property
    def instrument_names(self) -> list[str]:
        return [instruments.get(code).name for code in self.instruments]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CheckInEvent(models.Model):
    """The delivery record, one row per step: created, sent, opened, started, submitted,
    missed, resent, link requested, queued, send_failed, undelivered."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(max_length=20)
    channel = models.CharField(max_length=8, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    class Meta:
        db_table = "measures_checkinevent"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.event} at {self.at:%Y-%m-%d %H:%M}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CheckInLink(models.Model):
    """A secure link bound to one check-in. Only the hash is stored."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "measures_checkinlink"

    def __str__(self) -> str:
        return f"Link for check-in {self.checkin_id}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)


class MeasurementPlan(models.Model):
    """A patient's own check-in schedule, overriding the clinic's defaults where set."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="measurement_plan"
    )
    calendar_instruments = models.JSONField(default=list)
    # days between calendar check-ins by phase; 0 turns the calendar off for that phase
    interval_days = models.JSONField(default=dict)
    after_dose = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(table_name="measures_historicalmeasurementplan")

    class Meta:
        db_table = "measures_measurementplan"

    def __str__(self) -> str:
        return f"Measurement plan for patient {self.patient_id}"
