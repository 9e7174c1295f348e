from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from ketacare.audit.models import AccessAction, AccessEvent, AccessEventPatient
from ketacare.lib.client_address import client_ip

if TYPE_CHECKING:
    from ketacare.accounts.models import User
    from ketacare.patients.models import Patient


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return client_ip(request)


@transaction.atomic(savepoint=False)
def access_record(
    *,
    actor: User | None,
    patients: Iterable[Patient],
    action: str,
    request: HttpRequest | None = None,
    path: str | None = None,
) -> AccessEvent:
    """Append one access-log row for one response that showed patient data.

    Every read in ketacare ends here. One patient read is one row naming them; a page
    showing several (a list, a search, a worklist, or a list read as `VIEW_LIST`) is one
    row listing each patient shown, so a search that showed nobody is logged too.
    `path` replaces the request's path where it holds a secret (a check-in link's token).
    """
    shown = list(dict.fromkeys(patients))
    single = len(shown) == 1 and action != AccessAction.VIEW_LIST
    if path is None:
        path = request.get_full_path() if request is not None else ""
    event = AccessEvent.objects.create(
        actor=actor,
        patient=shown[0] if single else None,
        action=action,
        path=path[:300],
        ip_address=_client_ip(request),
        at=timezone.now(),
    )
    if not single:
        AccessEventPatient.objects.bulk_create(
            AccessEventPatient(event=event, patient=p) for p in shown
        )
    return event
