from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from ketacare.alerts.models import Alert, AlertStatus
from ketacare.core.instruments.base import Flag
from ketacare.outbox.models import MessageChannel
from ketacare.outbox.services import message_queue

if TYPE_CHECKING:
    from ketacare.measures.models import Response
    from ketacare.patients.models import Patient

logger = logging.getLogger(__name__)


def _queue_care_team_notice(alert: Alert, now: dt.datetime) -> int:
    """Queue one email per care-team member, in the alert's own transaction.

    The outbox sends them after the commit and retries them; the alert row stands whatever
    happens to the email. No clinical detail and no patient identifier leaves the system:
    the message says only that an alert waits, and where to sign in.
    """
    recipients = sorted(
        {
            m.staff_member.user.email
            for m in alert.patient.care_team.filter(ended_at__isnull=True).select_related(
                "staff_member__user"
            )
            if m.staff_member.user.email
        }
    )
    severity = alert.get_severity_display().lower()
    article = "an" if severity[:1] in "aeiou" else "a"
    # The list sorted by attention puts this alert's patient near the top without naming them.
    url = settings.SITE_URL.rstrip("/") + reverse("patients:list") + "?sort=attention"
    for email in recipients:
        message_queue(
            channel=MessageChannel.EMAIL,
            to=email,
            subject=f"ketacare: {article} {severity} alert needs attention",
            body=(
                f"A new {severity} alert is waiting for one of your patients.\n\n"
                f"Sign in to see your patients, those needing attention first: {url}\n"
            ),
            ref=f"alert:{alert.pk}",
            now=now,
        )
    return len(recipients)


@transaction.atomic
def alerts_from_flags(
    *,
    patient: Patient,
    flags: Iterable[Flag],
    response: Response | None,
    now: dt.datetime,
    evidence: dict[str, object],
) -> list[Alert]:
    """Create one alert per flag, and its care-team notices, in the caller's transaction.

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
        _queue_care_team_notice(alert, now)
    return made
