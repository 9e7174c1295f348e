"""One row per outgoing message (email or text), written in the transaction that decides to
send it and delivered afterwards by the worker. The row is the only record of the message:
claimed under a lease, sent once, retried with back-off, kept with its delivery receipt."""

from __future__ import annotations

from django.db import models


class MessageChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENT = "sent", "Sent"
    FAILED = "failed", "Could not send"
    CANCELLED = "cancelled", "Cancelled"


class Message(models.Model):
    channel = models.CharField(max_length=8, choices=MessageChannel.choices)
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()  # blanked once sent, cancelled or given up (it may hold a link)
    # What the message is about, e.g. "checkin:12"; lets the sender's app react to the outcome
    # and cancel what is no longer wanted. Never a clinical detail.
    ref = models.CharField(max_length=80, blank=True, db_index=True)
    status = models.CharField(
        max_length=10,
        choices=MessageStatus.choices,
        default=MessageStatus.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    # The lease: a worker owns the row until lease_until; a crashed worker's claim lapses.
    claimed_by = models.CharField(max_length=80, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # What the provider told us: its message id and the latest delivery receipt.
    provider_id = models.CharField(max_length=80, blank=True, db_index=True)
    delivery_status = models.CharField(max_length=30, blank=True)
    delivery_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} message {self.pk} ({self.status})"
