"""Text messages through a small backend interface, like Django's email backends.

Configure with SMS_BACKEND. `TwilioSmsBackend` sends through an HTTP messaging API (Twilio's
Messages API, or any service that speaks it) and asks for delivery receipts; the console
backend prints and the file backend writes one file per message under var/sms/ (demo only:
production refuses them while a patient prefers text); the locmem backend keeps an outbox
for tests.
"""

from __future__ import annotations

import abc
import base64
import datetime as dt
import hashlib
import hmac
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """A message was not accepted. `permanent` means retrying cannot help (e.g. bad number)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str


outbox: list[TextMessage] = []


class BaseSmsBackend(abc.ABC):
    #: False for backends that only pretend (console, file): production refuses them.
    delivers = True

    @abc.abstractmethod
    def send(self, to: str, body: str) -> str:
        """Deliver one message or raise SmsError; return the provider's message id (or "")."""


class ConsoleSmsBackend(BaseSmsBackend):
    delivers = False

    def send(self, to: str, body: str) -> str:
        sys.stdout.write(f"SMS to {to}: {body}\n")
        return ""


class FileSmsBackend(BaseSmsBackend):
    delivers = False

    def send(self, to: str, body: str) -> str:
        folder = Path(settings.VAR_DIR) / "sms"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        (folder / f"{stamp}.txt").write_text(f"To: {to}\n\n{body}\n")
        return ""


class LocmemSmsBackend(BaseSmsBackend):
    def send(self, to: str, body: str) -> str:
        outbox.append(TextMessage(to, body))
        return f"locmem-{len(outbox)}"


class TwilioSmsBackend(BaseSmsBackend):
    """Twilio's Messages API over HTTPS, with the standard library only.

    Settings: SMS_API_BASE (https://api.twilio.com), SMS_ACCOUNT_SID, SMS_AUTH_TOKEN, and
    SMS_FROM (a number) or SMS_MESSAGING_SERVICE_SID. Receipts come back to the
    status-callback URL when SMS_STATUS_CALLBACK is on.
    """

    def send(self, to: str, body: str) -> str:
        sid, token = settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN
        if not (sid and token and (settings.SMS_FROM or settings.SMS_MESSAGING_SERVICE_SID)):
            raise SmsError("The SMS provider is not configured (SMS_ACCOUNT_SID, ...).")
        form = {"To": to, "Body": body}
        if settings.SMS_MESSAGING_SERVICE_SID:
            form["MessagingServiceSid"] = settings.SMS_MESSAGING_SERVICE_SID
        else:
            form["From"] = settings.SMS_FROM
        if settings.SMS_STATUS_CALLBACK:
            form["StatusCallback"] = status_callback_url()
        url = f"{settings.SMS_API_BASE.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        auth = base64.b64encode(f"{sid}:{token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310  (the URL is our own setting)
            url,
            data=urllib.parse.urlencode(form).encode(),
            headers={"Authorization": f"Basic {auth}", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as answer:  # noqa: S310
                payload = json.loads(answer.read(65536) or b"{}")
        except urllib.error.HTTPError as exc:
            detail = _provider_error(exc)
            # 4xx other than 429 (too many requests) is the message's fault: do not retry.
            permanent = 400 <= exc.code < 500 and exc.code != 429
            raise SmsError(
                f"SMS provider refused ({exc.code}): {detail}", permanent=permanent
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise SmsError(f"SMS provider unreachable: {exc}") from exc
        return str(payload.get("sid", ""))[:80]


def _provider_error(exc: urllib.error.HTTPError) -> str:
    try:
        payload = json.loads(exc.read(65536) or b"{}")
    except ValueError:
        return exc.reason or ""
    return str(payload.get("message", exc.reason or ""))[:200]


def status_callback_url() -> str:
    from django.urls import reverse

    return settings.SITE_URL.rstrip("/") + reverse("outbox:sms_status")


def provider_signature(url: str, params: Mapping[str, str]) -> str:
    """Twilio's request signature: HMAC-SHA1 over the URL and the sorted form fields."""
    data = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    digest = hmac.new(settings.SMS_AUTH_TOKEN.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def backend() -> BaseSmsBackend:
    instance: BaseSmsBackend = import_string(settings.SMS_BACKEND)()
    return instance


def send_sms(to: str, body: str) -> str:
    return backend().send(to, body)
