"""Reads of the access log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketacare.audit.models import AccessEvent

if TYPE_CHECKING:
    from ketacare.patients.models import Patient


def access_events_for(patient: Patient) -> list[AccessEvent]:
    """Every logged read that showed this patient, alone or on a page with others."""
    alone = AccessEvent.objects.filter(patient=patient)
    listed = AccessEvent.objects.filter(shown__patient=patient)
    rows = {e.pk: e for e in alone.select_related("actor")}
    rows.update({e.pk: e for e in listed.select_related("actor")})
    return sorted(rows.values(), key=lambda e: (e.at, e.pk), reverse=True)
