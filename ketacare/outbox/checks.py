"""A send must end well inside its lease, or a second worker could send the same message."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register()
def check_lease_outlasts_a_send(**kwargs: Any) -> list[checks.CheckMessage]:
    timeouts = [settings.EMAIL_TIMEOUT, settings.SMS_TIMEOUT]
    slowest = max(timeouts) if all(timeouts) else 0  # None: a send could hang for ever
    if not slowest or 2 * slowest > settings.OUTBOX_LEASE_SECONDS:
        return [
            checks.Error(
                f"OUTBOX_LEASE_SECONDS ({settings.OUTBOX_LEASE_SECONDS}) must be at least twice "
                f"the slowest send timeout (EMAIL_TIMEOUT/SMS_TIMEOUT: {slowest or 'none'}), "
                "or a second worker may take over a message that is still being sent.",
                id="ketacare.E011",
            )
        ]
    return []
