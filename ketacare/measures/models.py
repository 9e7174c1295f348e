from __future__ import annotations

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
        "checkins.CheckIn",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
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
