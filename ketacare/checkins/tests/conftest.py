import datetime as dt

import pytest
from django.utils import timezone

from ketacare.checkins import services
from ketacare.measures.models import Context
from ketacare.outbox import sms


@pytest.fixture(autouse=True)
def _clear_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def checkin(patient):
    return services.checkin_create(
        patient=patient,
        instruments_=["gad7", "phq9"],
        context=Context.WEEKLY,
        due_at=timezone.now(),
    )


@pytest.fixture
def sent(checkin):
    """A sent check-in and its plaintext link token."""
    now = timezone.now()
    token = services.link_issue(checkin, now)
    checkin.status, checkin.sent_at = "sent", now
    checkin.save(update_fields=["status", "sent_at"])
    return checkin, token


def deliver(now=None):
    """Run the worker's outbox step: queued messages leave only after their commit."""
    from ketacare.outbox.services import deliver_due

    return deliver_due(now=now or timezone.now(), worker="test")


def answers_for(code, value=0):
    from ketacare.core import instruments

    return {i.code: value for i in instruments.get(code).items if i.required}


def fill(checkin, code, value=0, **overrides):
    now = timezone.now()
    for item, v in {**answers_for(code, value), **overrides}.items():
        services.checkin_save_answer(checkin=checkin, instrument=code, item=item, value=v, now=now)


__all__ = ["answers_for", "deliver", "dt", "fill"]
