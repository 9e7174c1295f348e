"""Queue messages inside the caller's transaction; deliver them afterwards, once each.

A message is queued in the same transaction as the change that calls for it (a check-in
sent, an alert raised), so it exists only if that change committed, and whatever it links
to (a secure link) exists before it can leave. The worker then claims each row under a
lease with one conditional UPDATE: only the worker whose UPDATE changed the row sends it,
and a worker killed mid-send loses its claim when the lease runs out. A failed attempt is
recorded on the row and retried with back-off; after OUTBOX_MAX_ATTEMPTS it is marked
"could not send" and the asking app is told (signals.message_failed, final=True).

A body is kept only while it waits: it may hold a secure link, whose token the database
otherwise stores only hashed, so it is blanked once the message is sent, cancelled or given
up on.

The one window left is a kill between the provider accepting a message and our UPDATE
marking it sent (milliseconds): that message is sent again after the lease. Emails carry a
fixed Message-ID so receiving servers can recognise the repeat.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from ketacare.outbox import sms
from ketacare.outbox.models import Message, MessageChannel, MessageStatus
from ketacare.outbox.selectors import due_message_ids, unleased
from ketacare.outbox.signals import message_failed, message_sent

logger = logging.getLogger(__name__)


@transaction.atomic
def message_queue(
    *, channel: str, to: str, body: str, subject: str = "", ref: str = "", now: dt.datetime
) -> Message:
    """Queue one message; it leaves only after the caller's transaction commits."""
    if channel not in MessageChannel.values:
        raise ValueError(f"unknown channel {channel!r}")
    return Message.objects.create(
        channel=channel,
        to=to,
        subject=subject[:200],
        body=body,
        ref=ref,
        created_at=now,
        next_attempt_at=now,
    )


def messages_cancel(*, ref_prefix: str, now: dt.datetime) -> int:
    """Cancel the waiting messages whose ref starts so (e.g. links a newer one replaces).

    A message a worker holds right now is left alone: it may already be with the provider.
    """
    return (
        Message.objects.filter(ref__startswith=ref_prefix, status=MessageStatus.PENDING)
        .filter(unleased(now))
        .update(status=MessageStatus.CANCELLED, last_error="replaced by a newer message")
    )


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try: base, x4, x16, ... capped at six hours."""
    seconds = settings.OUTBOX_RETRY_BASE_SECONDS * 4 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, 6 * 3600))


def pause_for_tests(step: str) -> None:
    """Tests only (KETACARE_TESTING): stop here so a test can kill the process mid-step.

    KETACARE_TEST_PAUSE="<step>:<seconds>"; KETACARE_TEST_PAUSE_MARK names a file written
    on arrival."""
    if not settings.TESTING:
        return
    where, _, seconds = os.environ.get("KETACARE_TEST_PAUSE", "").partition(":")
    if where == step:
        mark = os.environ.get("KETACARE_TEST_PAUSE_MARK", "")
        if mark:
            with open(mark, "w") as f:  # tell the test we are there
                f.write(str(os.getpid()))
        time.sleep(float(seconds or 60))


def _transmit(message: Message) -> str:
    pause_for_tests("outbox_send")
    if message.channel == MessageChannel.SMS:
        return sms.send_sms(message.to, message.body)
    domain = settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "ketacare"
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        to=[message.to],
        headers={"Message-ID": f"<outbox.{message.pk}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"},
    )
    email.send(fail_silently=False)
    return ""


def message_deliver(*, message_id: int, now: dt.datetime, worker: str) -> bool | None:
    """Claim one message and send it. True sent, False failed (recorded), None not ours.

    The lease runs from the moment of the claim, not from the start of the round: late in
    a long round (slow mail server, time-outs) a lease counted from the round's start would
    already have lapsed, and a second worker would send the same message again.
    """
    claimed_at = max(now, timezone.now())
    lease_until = claimed_at + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    claimed = (
        Message.objects.filter(pk=message_id, status=MessageStatus.PENDING)
        .filter(unleased(claimed_at))
        .update(claimed_by=worker[:80], lease_until=lease_until, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None  # another worker holds it, or it was sent or cancelled meanwhile
    message = Message.objects.get(pk=message_id)
    mine = Message.objects.filter(pk=message_id, claimed_by=worker[:80], lease_until=lease_until)
    try:
        provider_id = _transmit(message)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
        final = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS or getattr(exc, "permanent", False)
        logger.warning("Message %s attempt %s failed: %s", message.pk, message.attempts, error)
        still_mine = mine.update(
            status=MessageStatus.FAILED if final else MessageStatus.PENDING,
            last_error=error,
            body="" if final else F("body"),
            next_attempt_at=now + backoff(message.attempts),
            claimed_by="",
            lease_until=None,
        )
        message.last_error, message.status = (
            error,
            (MessageStatus.FAILED if final else MessageStatus.PENDING),
        )
        if still_mine:  # else our lease lapsed and another worker owns the outcome
            _tell(message_failed, message, error=error, final=final)
        return False
    sent_at = timezone.now()
    still_mine = mine.update(
        status=MessageStatus.SENT,
        body="",
        sent_at=sent_at,
        provider_id=provider_id,
        last_error="",
        claimed_by="",
        lease_until=None,
    )
    message.status, message.sent_at = MessageStatus.SENT, sent_at
    if still_mine:
        _tell(message_sent, message)
    else:
        logger.error("Message %s was sent after its lease lapsed: it may go out twice", message.pk)
    return True


def _tell(signal: Signal, message: Message, **kwargs: object) -> None:
    """Let the asking app record the outcome; its failure never stops the loop."""
    for receiver, result in signal.send_robust(sender=Message, message=message, **kwargs):
        if isinstance(result, Exception):
            logger.error(
                "Outcome of message %s not recorded by %s: %r", message.pk, receiver, result
            )


def deliver_due(*, now: dt.datetime, worker: str, limit: int = 100) -> dict[str, int]:
    """Send what is due. Each message is its own failure boundary: the loop always goes on."""
    due = due_message_ids(now=now, limit=limit)
    done = {"sent": 0, "failed": 0}
    for pk in due:
        try:
            outcome = message_deliver(message_id=pk, now=now, worker=worker)
        except Exception:  # a database hiccup on one row must not stop the others
            logger.exception("Delivering message %s broke", pk)
            continue
        if outcome is True:
            done["sent"] += 1
        elif outcome is False:
            done["failed"] += 1
    return done


def delivery_receipt_record(*, provider_id: str, status: str, now: dt.datetime) -> bool:
    """Keep the provider's latest word on a text message (queued, sent, delivered, failed)."""
    if not provider_id:
        return False
    updated = Message.objects.filter(provider_id=provider_id).update(
        delivery_status=status[:30], delivery_updated_at=now
    )
    return updated > 0
