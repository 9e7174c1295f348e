from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from ketacare.core import instruments

INSTRUMENT_CHOICES = [(i.code, i.name) for i in instruments.REGISTRY.values()]


class Context(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    PRE_DOSE = "pre_dose", "Before a dose"
    POST_24H = "post_24h", "24 hours after a dose"
    POST_7D = "post_7d", "7 days after a dose"
    WEEKLY = "weekly", "Weekly"
    FOLLOW_UP = "follow_up", "Follow-up"
    AD_HOC = "ad_hoc", "Ad hoc"


class Source(models.TextChoices):
    LINK = "link", "Secure link"
    PORTAL = "portal", "Patient portal"
    STAFF = "staff", "Entered by staff"
    IMPORT = "import", "Imported"


class Response(models.Model):
    """One completed questionnaire, scored by ketacare.core.instruments."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="responses"
    )
    instrument = models.CharField(max_length=20, choices=INSTRUMENT_CHOICES)
    version = models.CharField(max_length=30)
    answers = models.JSONField()
    total = models.IntegerField(null=True, blank=True)
    band = models.CharField(max_length=40, blank=True)
    risk = models.CharField(max_length=12, blank=True)
    flags = models.JSONField(default=list, blank=True)
    context = models.CharField(max_length=12, choices=Context.choices, default=Context.AD_HOC)
    source = models.CharField(max_length=8, choices=Source.choices)
    collected_at = models.DateTimeField()
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checkin = models.ForeignKey(
        "CheckIn", on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    # The sender's identifier of an imported response ("system|value", or the value alone
    # when it names no system): a retried import finds the one already stored.
    external_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-collected_at", "-id"]
        indexes = [models.Index(fields=["patient", "instrument", "collected_at"])]
        constraints = [
            # Per patient, so a reused identifier can never reveal another patient's answers.
            models.UniqueConstraint(
                fields=["patient", "external_id"],
                condition=~models.Q(external_id=""),
                name="one_response_per_sender_identifier",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_instrument_display()} {self.total if self.total is not None else self.risk}"
        )

    @property
    def instrument_def(self) -> instruments.Instrument:
        return instruments.get(self.instrument)


class Amendment(models.Model):
    """A correction to a stored response: what it was, what it became, who, when, why."""

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="amendments")
    answers_before = models.JSONField()
    answers_after = models.JSONField()
    total_before = models.IntegerField(null=True)
    total_after = models.IntegerField(null=True)
    reason = models.TextField()
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    amended_at = models.DateTimeField()

    class Meta:
        ordering = ["-amended_at"]

    def __str__(self) -> str:
        return f"Amendment of response {self.response_id} at {self.amended_at:%Y-%m-%d %H:%M}"


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

    history = HistoricalRecords(excluded_fields=["draft", "send_failures", "renew_requested_at"])

    class Meta:
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

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Measurement plan for patient {self.patient_id}"
