from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from ketacare.alerts.models import Alert, AlertStatus
from ketacare.core.instruments.base import Flag

if TYPE_CHECKING:
    from ketacare.measures.models import Response
    from ketacare.patients.models import Patient

logger = logging.getLogger(__name__)


def _notify_care_team(alert_id: int) -> None:
    """Email the care team that an alert waits. No clinical detail leaves the system."""
    try:
        alert = Alert.objects.select_related("patient").get(pk=alert_id)
        recipients = sorted(
            {
                m.staff_member.user.email
                for m in alert.patient.care_team.filter(ended_at__isnull=True).select_related(
                    "staff_member__user"
                )
            }
        )
        if not recipients:
            return
        url = settings.SITE_URL.rstrip("/") + reverse("patients:detail", args=[alert.patient_id])
        severity = alert.get_severity_display().lower()
        send_mail(
            subject=f"ketacare: {severity} alert, {alert.patient.mrn}",
            message=f"A new {severity} alert needs attention:\n\n{url}\n",
            from_email=None,
            recipient_list=recipients,
        )
    except Exception:
        # The alert row exists whatever happens to the email; log loudly and move on.
        logger.exception("Could not email the care team about alert %s", alert_id)


@transaction.atomic
def alerts_from_flags(
    *,
    patient: Patient,
    flags: Iterable[Flag],
    response: Response | None,
    now: dt.datetime,
    evidence: dict[str, object],
) -> list[Alert]:
    """Create one alert per flag, in the caller's transaction; notify after commit.

    The alert is dated by the answers that raised it (`response.collected_at`), and
    separately by when it was raised (`now`).
    """
    triggered_at = response.collected_at if response is not None else now
    made = []
    for flag in flags:
        alert = Alert.objects.create(
            patient=patient,
            kind=flag.code,
            severity=flag.severity.value,
            status=AlertStatus.OPEN,
            title=flag.message[:200],
            response=response,
            triggered_at=triggered_at,
            raised_at=now,
            evidence={**evidence, "flag": flag.code, "item": flag.item},
        )
        made.append(alert)
        alert_id = alert.pk
        transaction.on_commit(lambda alert_id=alert_id: _notify_care_team(alert_id))  # type: ignore[misc]
    return made
