"""Reads of patient data. Access is decided in patients.access; these only shape data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Min, Prefetch, QuerySet

from ketacare.core.reference_points import TREATMENT_PHASES
from ketacare.patients.models import CareTeamMember, Patient, PatientQuerySet, PhaseChange

SORTS = {
    "name": ("family_name", "given_name"),
    "-name": ("-family_name", "-given_name"),
    "mrn": ("mrn",),
    "-mrn": ("-mrn",),
    "phase": ("phase", "family_name"),
    "updated": ("-updated_at",),
    "birth_date": ("birth_date",),
    # Needs the triage annotations (dashboard.triage.with_triage); see that module.
    "attention": ("attention", "-urgent_alert_count", "-alert_count", "family_name", "given_name"),
}


def patient_list(
    patients: PatientQuerySet,
    *,
    q: str = "",
    phase: str = "",
    team_member: int | None = None,
    sort: str = "name",
) -> QuerySet[Patient]:
    qs = patients.search(q)
    if phase:
        qs = qs.filter(phase=phase)
    if team_member:
        # A subquery, not a join: no duplicate rows, so no DISTINCT, and the page count can
        # drop the triage annotations (with DISTINCT it would compute them for every patient).
        on_team = CareTeamMember.objects.current().filter(staff_member_id=team_member)
        qs = qs.filter(pk__in=on_team.values("patient_id"))
    current_team = CareTeamMember.objects.current().select_related("staff_member__user")
    return qs.order_by(*SORTS.get(sort, SORTS["name"]), "pk").prefetch_related(
        Prefetch("care_team", queryset=current_team, to_attr="current_team")
    )


def treatment_starts(patient_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When each patient first entered a treatment phase (the reference for baseline)."""
    rows = (
        PhaseChange.objects.filter(
            patient_id__in=list(patient_ids),
            to_phase__in=[p.value for p in TREATMENT_PHASES],
        )
        .values("patient_id")
        .annotate(first=Min("changed_at"))
    )
    return {row["patient_id"]: row["first"] for row in rows}


def care_team_current(patient: Patient) -> list[CareTeamMember]:
    return list(
        CareTeamMember.objects.current()
        .filter(patient=patient)
        .select_related("staff_member__user")
    )
