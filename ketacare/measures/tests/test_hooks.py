"""The hook that carries flags from measures up to alerts, without measures importing alerts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ketacare.alerts.models import Alert
from ketacare.alerts.services import alerts_from_flags
from ketacare.measures import hooks, services
from ketacare.measures.models import Response

PHQ9_ITEM9 = {str(i): 0 for i in range(1, 10)} | {"9": 2}


@pytest.fixture
def no_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hooks, "_handlers", [])


def test_alerts_is_registered_when_django_starts() -> None:
    assert alerts_from_flags in hooks._handlers


@pytest.mark.django_db
def test_flags_with_no_handler_refuse_and_store_nothing(patient, no_handlers) -> None:
    now = timezone.now() - dt.timedelta(minutes=1)
    with pytest.raises(RuntimeError, match="No handler"):
        services.response_record(
            patient=patient, instrument="phq9", answers=PHQ9_ITEM9, context="weekly",
            source="staff", collected_at=now,
        )  # fmt: skip
    assert not Response.objects.filter(patient=patient).exists()
    assert not Alert.objects.filter(patient=patient).exists()


@pytest.mark.django_db
def test_a_failing_handler_rolls_back_the_response(patient, monkeypatch) -> None:
    def broken(**_: object) -> list[hooks.RaisedSignal]:
        raise ValueError("handler failed")

    monkeypatch.setattr(hooks, "_handlers", [alerts_from_flags, broken])
    with pytest.raises(ValueError):
        services.response_record(
            patient=patient, instrument="phq9", answers=PHQ9_ITEM9, context="weekly",
            source="staff", collected_at=timezone.now() - dt.timedelta(minutes=1),
        )  # fmt: skip
    assert not Response.objects.filter(patient=patient).exists()
    assert not Alert.objects.filter(patient=patient).exists()
