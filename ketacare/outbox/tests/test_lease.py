"""A lease runs from the claim, so a long round never hands a message to a second worker."""

import datetime as dt

from django.core import mail
from django.utils import timezone

from ketacare.outbox import services
from ketacare.outbox.models import Message


def test_a_message_claimed_late_in_a_long_round_keeps_a_full_lease(db, settings):
    settings.OUTBOX_LEASE_SECONDS = 300
    round_started = timezone.now() - dt.timedelta(seconds=400)  # a slow round, 400 s in
    message = services.message_queue(
        channel="email", to="p@patient.test", subject="s", body="b", ref="t:1", now=round_started
    )
    leases = []

    def record_lease(*args, **kwargs):
        leases.append(Message.objects.get(pk=message.pk).lease_until)
        return ""

    original = services._transmit
    services._transmit = record_lease
    try:
        assert services.message_deliver(message_id=message.pk, now=round_started, worker="w1")
    finally:
        services._transmit = original
    # While it was being sent, the lease ran ~300 s from the claim (not from the round's
    # start, which would have lapsed 100 s before): no second worker could take it.
    assert leases[0] is not None
    assert leases[0] >= timezone.now() + dt.timedelta(seconds=290)
    assert services.message_deliver(message_id=message.pk, now=timezone.now(), worker="w2") is None
    assert mail.outbox == []
