"""The Twilio-style SMS backend against a fake provider on 127.0.0.1, started by the test."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from ketacare.checkins.checks import check_sms_backend
from ketacare.outbox import sms
from ketacare.outbox.models import Message
from ketacare.outbox.services import deliver_due, message_queue
from ketacare.patients import services as patient_services


class FakeProvider(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, object]] = []
        self.answer: tuple[int, dict[str, object]] = (201, {"sid": "SM123", "status": "queued"})


class _Handler(BaseHTTPRequestHandler):
    server: FakeProvider

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        self.server.requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization", ""), "form": form}
        )
        status, payload = self.server.answer
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def provider(settings) -> Iterator[FakeProvider]:
    server = FakeProvider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "ketacare.outbox.sms.TwilioSmsBackend"
    settings.SMS_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN = "AC1", "provider-secret"
    settings.SMS_FROM, settings.SMS_MESSAGING_SERVICE_SID = "+15550000", ""
    settings.SITE_URL = "https://clinic.example"
    yield server
    server.shutdown()
    server.server_close()


def _queue() -> Message:
    return message_queue(
        channel="sms", to="+15550142", body="A short check-in: https://x/c/t/", now=timezone.now()
    )


def test_a_text_goes_to_the_provider_with_a_status_callback_and_keeps_its_id(provider, db):
    message = _queue()
    assert deliver_due(now=timezone.now(), worker="w") == {"sent": 1, "failed": 0}
    (request,) = provider.requests
    assert request["path"] == "/2010-04-01/Accounts/AC1/Messages.json"
    assert request["auth"] == "Basic " + base64.b64encode(b"AC1:provider-secret").decode()
    assert request["form"] == {
        "To": "+15550142",
        "From": "+15550000",
        "Body": "A short check-in: https://x/c/t/",
        "StatusCallback": "https://clinic.example/outbox/sms-status/",
    }
    message.refresh_from_db()
    assert message.status == "sent" and message.provider_id == "SM123"


def test_a_provider_outage_is_retried_and_a_refused_number_is_not(provider, db):
    message = _queue()
    provider.answer = (503, {"message": "try later"})
    assert deliver_due(now=timezone.now(), worker="w")["failed"] == 1
    message.refresh_from_db()
    assert message.status == "pending" and "503" in message.last_error
    provider.answer = (400, {"code": 21211, "message": "The 'To' number is not valid."})
    later = timezone.now() + dt.timedelta(hours=1)
    assert deliver_due(now=later, worker="w")["failed"] == 1
    message.refresh_from_db()
    assert message.status == "failed" and "not valid" in message.last_error
    assert len(provider.requests) == 2


def test_a_signed_delivery_receipt_is_recorded(provider, client, db):
    message = _queue()
    deliver_due(now=timezone.now(), worker="w")
    form = {"MessageSid": "SM123", "MessageStatus": "delivered", "AccountSid": "AC1"}
    signature = sms.provider_signature("https://clinic.example/outbox/sms-status/", form)
    url = reverse("outbox:sms_status")
    assert client.post(url, form, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 204
    message.refresh_from_db()
    assert message.delivery_status == "delivered" and message.delivery_updated_at
    tampered = {**form, "MessageStatus": "failed"}
    assert client.post(url, tampered, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403
    message.refresh_from_db()
    assert message.delivery_status == "delivered"


@pytest.fixture
def texting_patient(clinic, alice):
    return patient_services.patient_create(
        clinic=clinic,
        by=alice.user,
        given_name="Text",
        family_name="Me",
        phone="+1 312 555 0142",
        preferred_contact="sms",
        birth_date=dt.date(1980, 1, 1),
    )


@pytest.mark.parametrize(
    "backend", ["ketacare.outbox.sms.ConsoleSmsBackend", "ketacare.outbox.sms.FileSmsBackend"]
)
def test_production_refuses_a_pretend_sms_backend_while_a_patient_prefers_text(
    backend, settings, patient
):
    settings.SMS_BACKEND = backend
    settings.TESTING = False
    assert check_sms_backend() == []  # nobody prefers text yet: nothing to refuse
    patient.phone, patient.preferred_contact = "+1 555 0142", "sms"
    patient.save()
    (error,) = check_sms_backend()
    assert error.id == "ketacare.E010" and "only pretends" in error.msg
    deploy = checks.run_checks(include_deployment_checks=True)
    assert any(m.id == "ketacare.E010" and m.level == checks.ERROR for m in deploy)
    with pytest.raises(CommandError, match="Refusing to start.*prefer text"):
        call_command("worker", "--once")


def test_production_refuses_an_unconfigured_provider_while_a_patient_prefers_text(
    settings, texting_patient
):
    settings.SMS_BACKEND = "ketacare.outbox.sms.TwilioSmsBackend"
    settings.SMS_ACCOUNT_SID = settings.SMS_AUTH_TOKEN = ""
    (error,) = check_sms_backend()
    assert "not configured" in error.msg
    settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN = "AC1", "secret"
    assert check_sms_backend() == []


def test_a_lease_shorter_than_a_send_can_take_is_refused(settings):
    from ketacare.outbox.checks import check_lease_outlasts_a_send

    assert check_lease_outlasts_a_send() == []
    settings.EMAIL_TIMEOUT, settings.OUTBOX_LEASE_SECONDS = 200, 300
    (error,) = check_lease_outlasts_a_send()
    assert error.id == "ketacare.E011"
    settings.EMAIL_TIMEOUT = None  # no timeout at all: a send could hang for ever
    assert check_lease_outlasts_a_send()[0].id == "ketacare.E011"
