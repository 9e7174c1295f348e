"""Reads of the outbox: what is due, and whether a message still waits."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from ketacare.outbox.models import Message, MessageStatus


def unleased(now: dt.datetime) -> Q:
    """No worker holds the row: never claimed, or its claim's lease has run out."""
    return Q(lease_until__isnull=True) | Q(lease_until__lt=now)


def due_message_ids(*, now: dt.datetime, limit: int) -> list[int]:
    """Messages waiting to leave, oldest due first, that no worker holds."""
    return list(
        Message.objects.filter(status=MessageStatus.PENDING, next_attempt_at__lte=now)
        .filter(unleased(now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def message_waiting(*, ref: str) -> bool:
    """Whether a message with this ref is queued and has not left yet."""
    return Message.objects.filter(ref=ref, status=MessageStatus.PENDING).exists()
