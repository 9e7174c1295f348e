"""Delivery receipts from the SMS provider (Twilio's status callback)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ketacare.outbox import sms
from ketacare.outbox.services import delivery_receipt_record


@csrf_exempt  # the provider cannot hold a CSRF token; its signature stands in for it
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    """Record a receipt only if the provider's signature over this URL and form is right.

    The URL signed is the one we gave the provider (SITE_URL), not what the proxy passed on.
    """
    given = request.headers.get("X-Twilio-Signature", "")
    params = {k: request.POST.get(k, "") for k in request.POST}
    expected = sms.provider_signature(sms.status_callback_url(), params)
    if not settings.SMS_AUTH_TOKEN or not given or not hmac.compare_digest(given, expected):
        return HttpResponse("Signature missing or wrong.", status=403, content_type="text/plain")
    provider_id = params.get("MessageSid", "")
    status = params.get("MessageStatus", "")
    if not provider_id or not status:
        return HttpResponse("MessageSid and MessageStatus are required.", status=400)
    delivery_receipt_record(provider_id=provider_id, status=status, now=timezone.now())
    return HttpResponse(status=204)
