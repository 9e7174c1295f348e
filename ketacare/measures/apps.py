from typing import Any

from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "ketacare.measures"
    label = "measures"
    verbose_name = "Measures and check-ins"

    def ready(self) -> None:
        from ketacare.measures import checks  # noqa: F401  (registers the deploy check)
        from ketacare.outbox.signals import message_failed, message_sent

        message_sent.connect(_on_sent, dispatch_uid="measures.checkin_sent")
        message_failed.connect(_on_failed, dispatch_uid="measures.checkin_failed")


def _on_sent(sender: Any, message: Any, **kwargs: Any) -> None:
    from ketacare.measures.services import checkin_message_outcome

    checkin_message_outcome(ref=message.ref, sent=True, error="", final=False)


def _on_failed(sender: Any, message: Any, error: str, final: bool, **kwargs: Any) -> None:
    from ketacare.measures.services import checkin_message_outcome

    checkin_message_outcome(ref=message.ref, sent=False, error=error, final=final)
