from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils import timezone

from ketacare.audit.models import AccessEvent
from ketacare.lib.client_address import client_ip

if TYPE_CHECKING:
    from ketacare.accounts.models import User
    from ketacare.patients.models import Patient


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return client_ip(request)


def access_record(
    *, actor: User, patients: Iterable[Patient], action: str, request: HttpRequest | None = None
) -> int:
    """Append one access-log row per patient read; return how many were written."""
    now = timezone.now()
    path = request.get_full_path()[:300] if request is not None else ""
    ip = _client_ip(request)
    rows = [
        AccessEvent(actor=actor, patient=p, action=action, path=path, ip_address=ip, at=now)
        for p in patients
    ]
    AccessEvent.objects.bulk_create(rows)
    return len(rows)
