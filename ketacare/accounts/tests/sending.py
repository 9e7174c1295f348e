"""Test helpers: run the outbox as the worker would, and a mail server that is down."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from ketacare.outbox.services import deliver_due

REFUSING_BACKEND = "ketacare.accounts.tests.sending.RefusingEmailBackend"


class RefusingEmailBackend(BaseEmailBackend):
    """What smtplib does when nothing listens on the mail port."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise ConnectionRefusedError(111, "Connection refused")


def send_queued(*, later: dt.timedelta = dt.timedelta(0)) -> dict[str, int]:
    """One round of the worker's delivery step, `later` from now."""
    return deliver_due(now=timezone.now() + later, worker="test")
