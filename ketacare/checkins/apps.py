from typing import Any

from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "ketacare.checkins"
    label = "checkins"
    verbose_name = "Check-ins"

    def ready(self) -> None:
        from ketacare.checkins import checks  # noqa: F401  (registers the deploy check)
        from ketacare.checkins.sections import scores_page_sections
        from ketacare.measures.hooks import on_scores_page
        from ketacare.outbox.signals import message_failed, message_sent
        from ketacare.patients.signals import phase_changed

        message_sent.connect(_on_sent, dispatch_uid="checkins.checkin_sent")
        message_failed.connect(_on_failed, dispatch_uid="checkins.checkin_failed")
        phase_changed.connect(_on_phase_changed, dispatch_uid="checkins.follow_phase")
        on_scores_page(scores_page_sections)


def _on_sent(sender: Any, message: Any, **kwargs: Any) -> None:
    from ketacare.checkins.services import checkin_message_outcome

    checkin_message_outcome(ref=message.ref, sent=True, error="", final=False)


def _on_failed(sender: Any, message: Any, error: str, final: bool, **kwargs: Any) -> None:
    from ketacare.checkins.services import checkin_message_outcome

    checkin_message_outcome(ref=message.ref, sent=False, error=error, final=final)


def _on_phase_changed(sender: Any, patient: Any, change: Any, **kwargs: Any) -> None:
    """Discharge ends follow-up: queued and open check-ins are cancelled with the reason.

    A pause does not: paused patients keep their calendar check-ins (every 28 days by
    default) and the post-dose ones already due, because worsening after stopping is the
    risk the follow-up is there to catch.
    """
    from ketacare.checkins.services import checkins_cancel_for_discharge
    from ketacare.core.phases import Phase

    if change.to_phase == Phase.DISCHARGED:
        checkins_cancel_for_discharge(patient=patient, reason=change.reason, now=change.changed_at)
