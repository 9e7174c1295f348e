"""Account emails (sign-in links, step-up confirmations, invitations, password resets)
go through the outbox, never out during the request.

Sent during the request, a mail server that is down turned a sign-in into a 500, and the
500 came only for addresses that have an account: the error page told a stranger who is a
patient here. Queued, the request answers the same whether or not the account exists and
whether or not the mail server is up; the worker sends after commit and retries.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ketacare.outbox.models import MessageChannel
from ketacare.outbox.services import message_queue, messages_cancel


@transaction.atomic
def account_email_queue(
    *, to: str, subject: str, body: str, ref: str, replaces_waiting: bool = False
) -> None:
    """Queue one account email. With replaces_waiting, a newer link for the same ref
    cancels the one still waiting, so a person asking twice gets one message."""
    now = timezone.now()
    if replaces_waiting:
        messages_cancel(ref_prefix=ref, now=now)
    message_queue(channel=MessageChannel.EMAIL, to=to, subject=subject, body=body, ref=ref, now=now)
