"""Text messages through a small backend interface, like Django's email backends.

Configure with SMS_BACKEND. The console backend prints, the file backend writes one file
per message under var/sms/, the locmem backend keeps an outbox for tests. A real
provider is one class with a `send(to, body)` method.
"""

from __future__ import annotations

import abc
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str


outbox: list[TextMessage] = []


class BaseSmsBackend(abc.ABC):
    @abc.abstractmethod
    def send(self, to: str, body: str) -> None:
        """Deliver one message or raise."""


class ConsoleSmsBackend(BaseSmsBackend):
    def send(self, to: str, body: str) -> None:
        sys.stdout.write(f"SMS to {to}: {body}\n")


class FileSmsBackend(BaseSmsBackend):
    def send(self, to: str, body: str) -> None:
        folder = Path(settings.VAR_DIR) / "sms"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        (folder / f"{stamp}.txt").write_text(f"To: {to}\n\n{body}\n")


class LocmemSmsBackend(BaseSmsBackend):
    def send(self, to: str, body: str) -> None:
        outbox.append(TextMessage(to, body))


def send_sms(to: str, body: str) -> None:
    backend: BaseSmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(to, body)
