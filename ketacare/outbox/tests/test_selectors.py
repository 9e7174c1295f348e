"""What the worker picks up, and whether a message still waits."""

import datetime as dt

from django.utils import timezone

from ketacare.outbox import selectors, services
from ketacare.outbox.models import Message, MessageStatus


def _queue(ref, now):
    return services.message_queue(channel="email", to="p@x.test", body="b", ref=ref, now=now)


def test_due_messages_are_the_waiting_unheld_ones_oldest_first(db):
    now = timezone.now()
    later = _queue("a", now - dt.timedelta(minutes=1))
    earlier = _queue("b", now - dt.timedelta(minutes=5))
    _queue("c", now + dt.timedelta(minutes=5))  # not due yet
    held = _queue("d", now - dt.timedelta(minutes=9))
    Message.objects.filter(pk=held.pk).update(lease_until=now + dt.timedelta(minutes=1))
    lapsed = _queue("e", now - dt.timedelta(minutes=3))
    Message.objects.filter(pk=lapsed.pk).update(lease_until=now - dt.timedelta(seconds=1))
    sent = _queue("f", now - dt.timedelta(minutes=8))
    Message.objects.filter(pk=sent.pk).update(status=MessageStatus.SENT)
    assert selectors.due_message_ids(now=now, limit=10) == [earlier.pk, lapsed.pk, later.pk]
    assert selectors.due_message_ids(now=now, limit=1) == [earlier.pk]


def test_a_message_waits_until_it_has_left(db):
    message = _queue("checkin:1:link", timezone.now())
    assert selectors.message_waiting(ref="checkin:1:link")
    assert not selectors.message_waiting(ref="checkin:2:link")
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENT)
    assert not selectors.message_waiting(ref="checkin:1:link")
