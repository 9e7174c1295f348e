"""The patient list as a triage list: who needs attention first, and why.

"Needs attention" (lower tier = sooner), one patient in the first tier that applies:

0. an urgent alert not yet resolved;
1. any other alert not yet resolved;
2. the latest GAD-7 or PHQ-9 is reliably worse than the best since treatment started
   (core.reference_points; reliable change GAD-7 4, PHQ-9 6 [K63]);
3. in a followed phase and the last check-in that came due was missed;
4. in a followed phase with no contact planned (no scheduled or waiting check-in);
5. everyone else.

Within a tier: more urgent alerts, then more alerts, then name. Tiers are computed in the
database so that 2,000 patients sort and page in a few queries; tier 2 is the core's
definition written as SQL, and a test holds the two to the same answer on varied data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from ketacare.alerts import selectors as alert_selectors
from ketacare.alerts.models import Alert, AlertSeverity
from ketacare.checkins.models import OPEN_STATUSES, CheckIn, CheckInStatus
from ketacare.core import instruments
from ketacare.core.instruments.change import Change, compare
from ketacare.core.phases import ACTIVE_PHASES
from ketacare.core.reference_points import TREATMENT_PHASES, Standing
from ketacare.measures.models import Response
from ketacare.measures.selectors import standings_by_patient
from ketacare.patients.models import Patient, PatientQuerySet, PhaseChange

TRIAGE_INSTRUMENTS = ("gad7", "phq9")

TIER_LABELS = {
    0: "Urgent alert",
    1: "Open alert",
    2: "Reliably worse than best",
    3: "Missed check-in",
    4: "No contact planned",
    5: "",
}


def _count(qs: QuerySet[Alert]) -> Coalesce:
    counted = qs.order_by().values("patient").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _scores(code: str) -> QuerySet[Response]:
    return Response.objects.filter(patient=OuterRef("pk"), instrument=code, total__isnull=False)


def with_triage(
    patients: PatientQuerySet, *, now: dt.datetime, select: bool = False
) -> PatientQuerySet:
    """Add the triage tier (`attention`) to each patient, to sort by; with `select`, also
    the columns the list shows (SQL repeats each expression where it is used, so sorting
    all patients keeps them out of the SELECT)."""
    unresolved = alert_selectors.unresolved().filter(patient=OuterRef("pk"))
    planned = CheckIn.objects.filter(
        patient=OuterRef("pk"), status__in=[CheckInStatus.SCHEDULED, *OPEN_STATUSES]
    )
    last_due = (
        CheckIn.objects.filter(patient=OuterRef("pk"), due_at__lte=now)
        .exclude(status=CheckInStatus.CANCELLED)
        .order_by("-due_at", "-pk")
    )
    starts = PhaseChange.objects.filter(
        patient=OuterRef("pk"), to_phase__in=[p.value for p in TREATMENT_PHASES]
    ).order_by("changed_at")
    add = patients.annotate if select else patients.alias
    qs = add(
        urgent_alert_count=_count(unresolved.filter(severity=AlertSeverity.URGENT)),
        alert_count=_count(unresolved),
        next_contact_at=Subquery(planned.order_by("due_at").values("due_at")[:1]),
        last_contact_at=Subquery(
            Response.objects.filter(patient=OuterRef("pk"))
            .order_by("-collected_at")
            .values("collected_at")[:1]
        ),
        last_due_status=Subquery(last_due.values("status")[:1]),
        treatment_start=Subquery(starts.values("changed_at")[:1]),
    )
    worse = Q()
    for code in TRIAGE_INSTRUMENTS:
        qs = qs.alias(**_rise_from_best(code))
        rule = instruments.get(code).change
        assert rule is not None
        worse |= Q(**{f"{code}_rise__gte": rule.reliable_change})
    followed = Q(phase__in=[p.value for p in ACTIVE_PHASES])
    annotated: PatientQuerySet = qs.annotate(
        attention=Case(
            When(urgent_alert_count__gt=0, then=Value(0)),
            When(alert_count__gt=0, then=Value(1)),
            When(worse, then=Value(2)),
            When(followed & Q(last_due_status=CheckInStatus.MISSED), then=Value(3)),
            When(followed & Q(next_contact_at__isnull=True), then=Value(4)),
            default=Value(5),
            output_field=IntegerField(),
        )
    )
    return annotated


def _rise_from_best(code: str) -> dict[str, object]:
    """Latest total minus the best since treatment started, as core.reference_points defines
    the best: scores after the start, never the baseline. When no score precedes the start,
    the baseline is the first score of all, so excluding the first score is exact."""
    first = _scores(code).order_by("collected_at", "pk").values("pk")[:1]
    best = (
        _scores(code)
        .filter(collected_at__gt=OuterRef("treatment_start"))
        .exclude(pk=OuterRef(f"{code}_first"))
        .order_by()
        .values("patient")
        .annotate(m=Min("total"))
        .values("m")
    )
    latest = _scores(code).order_by("-collected_at", "-pk").values("total")[:1]
    return {
        f"{code}_first": Subquery(first),
        f"{code}_latest": Subquery(latest),
        f"{code}_best": Subquery(best, output_field=IntegerField()),
        f"{code}_rise": F(f"{code}_latest") - F(f"{code}_best"),
    }


ROW_FIELDS = (
    "attention",
    "urgent_alert_count",
    "alert_count",
    "next_contact_at",
    "last_contact_at",
    "last_due_status",
)


def annotate_rows(patients: list[Patient], *, now: dt.datetime) -> None:
    """Give the patients of one page what the triage columns show (one query).

    The page is chosen without these columns (SQLite would compute them for every patient
    before sorting); only the page's rows get them, here."""
    if not patients:
        return
    ids = [p.pk for p in patients]
    annotated = with_triage(Patient.objects.filter(pk__in=ids), now=now, select=True)
    values = {row["pk"]: row for row in annotated.values("pk", *ROW_FIELDS)}
    for p in patients:
        for name in ROW_FIELDS:
            setattr(p, name, values[p.pk][name])


@dataclass(frozen=True)
class LatestScore:
    code: str
    name: str
    total: int
    band: str
    at: dt.datetime
    from_previous: Change | None
    standing: Standing

    @property
    def arrow(self) -> str:
        if self.from_previous is None or self.from_previous.delta == 0:
            return "→"
        return "↑" if self.from_previous.delta > 0 else "↓"


def latest_scores(patient_ids: list[int]) -> dict[int, list[LatestScore]]:
    """For the patients on one page: latest GAD-7 and PHQ-9, the change from the score
    before (with reliable change) and their standing against baseline and best."""
    out: dict[int, list[LatestScore]] = {}
    for patient_id, by_code in standings_by_patient(patient_ids, TRIAGE_INSTRUMENTS).items():
        for code in TRIAGE_INSTRUMENTS:
            series = by_code.get(code)
            if not series:
                continue
            definition = instruments.get(code)
            last = series[-1]
            previous = series[-2].point.total if len(series) > 1 else None
            out.setdefault(patient_id, []).append(
                LatestScore(
                    code,
                    definition.name,
                    last.point.total,
                    definition.band_for(last.point.total) or "",
                    last.point.at,
                    compare(definition, baseline=previous, current=last.point.total)
                    if previous is not None
                    else None,
                    last,
                )
            )
    return out
