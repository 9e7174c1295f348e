"""Refuse to pretend: text messages must really leave in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.db import DatabaseError

from ketacare.outbox import sms


def sms_problem() -> str:
    """Why text messages would not reach patients who prefer them, or "" if they would."""
    from ketacare.patients.models import ContactChannel, Patient

    backend = sms.backend()
    configured = settings.SMS_ACCOUNT_SID and settings.SMS_AUTH_TOKEN
    if backend.delivers and not (isinstance(backend, sms.TwilioSmsBackend) and not configured):
        return ""
    try:
        texting = (
            Patient.objects.filter(preferred_contact__in=[ContactChannel.SMS, ContactChannel.PHONE])
            .exclude(phone="")
            .count()
        )
    except DatabaseError:
        return ""  # no tables yet (before the first migrate): nothing to send to
    if not texting:
        return ""
    if backend.delivers:
        return (
            f"{texting} patient(s) prefer text messages but the SMS provider is not "
            "configured: set SMS_ACCOUNT_SID, SMS_AUTH_TOKEN and SMS_FROM (see docs/deploy.md)."
        )
    return (
        f"{texting} patient(s) prefer text messages but SMS_BACKEND is "
        f"{settings.SMS_BACKEND}, which only pretends to send. Set SMS_BACKEND to "
        "ketacare.outbox.sms.TwilioSmsBackend and its SMS_* settings (see docs/deploy.md)."
    )


@checks.register(checks.Tags.security, deploy=True)
def check_sms_backend(**kwargs: Any) -> list[checks.CheckMessage]:
    problem = sms_problem()
    return [checks.Error(problem, id="ketacare.E010")] if problem else []
