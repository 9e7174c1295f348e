"""Reads for questionnaires and scores, shaped for templates and charts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from ketacare.core import instruments
from ketacare.core.reference_points import ScorePoint, Standing, standings
from ketacare.measures.models import Response
from ketacare.patients.models import Patient
from ketacare.patients.selectors import treatment_starts


@dataclass
class ItemView:
    code: str
    text: str
    name: str  # form field name: "<instrument>.<item>"
    options: list[tuple[int, str]]
    value: int | None
    error: str = ""


@dataclass
class Block:
    code: str
    name: str
    intro: str
    items: list[ItemView] = field(default_factory=list)


def questionnaire_blocks(
    codes: list[str],
    draft: Mapping[str, Mapping[str, Any]],
    errors: Mapping[str, str] | None = None,
) -> list[Block]:
    """Return what to show for each instrument: visible items, saved answers, errors."""
    errors = errors or {}
    blocks = []
    for code in codes:
        definition = instruments.get(code)
        answers = {k: v for k, v in draft.get(code, {}).items() if isinstance(v, int)}
        block = Block(code, definition.name, definition.intro or definition.recall)
        for item in definition.visible_items(answers):
            name = f"{code}.{item.code}"
            block.items.append(
                ItemView(
                    item.code,
                    item.text,
                    name,
                    [(o.value, o.label) for o in item.options],
                    answers.get(item.code),
                    errors.get(name, ""),
                )
            )
        blocks.append(block)
    return blocks


REFERENCE_INSTRUMENTS = tuple(c for c, i in instruments.REGISTRY.items() if i.change)


def standings_by_patient(
    patient_ids: Iterable[int], codes: tuple[str, ...] = REFERENCE_INSTRUMENTS
) -> dict[int, dict[str, list[Standing]]]:
    """Each patient's scores (oldest first, per instrument) read against baseline and best.

    Two queries however many patients: their scored responses and their treatment starts.
    """
    ids = list(patient_ids)
    starts = treatment_starts(ids)
    rows = (
        Response.objects.filter(patient_id__in=ids, instrument__in=codes, total__isnull=False)
        .order_by("collected_at", "pk")
        .values_list("patient_id", "instrument", "pk", "total", "collected_at")
    )
    points: dict[int, dict[str, list[ScorePoint]]] = {}
    for patient_id, code, pk, total, at in rows:
        assert total is not None  # filtered above
        points.setdefault(patient_id, {}).setdefault(code, []).append(ScorePoint(at, total, pk))
    return {
        patient_id: {
            code: standings(instruments.get(code), series, treatment_start=starts.get(patient_id))
            for code, series in by_code.items()
        }
        for patient_id, by_code in points.items()
    }


def standings_by_response(patient: Patient) -> dict[int, Standing]:
    """Each scored response of the patient (by id) read against baseline and best."""
    by_code = standings_by_patient([patient.pk]).get(patient.pk, {})
    return {s.point.seq: s for series in by_code.values() for s in series}


@dataclass(frozen=True)
class ReferenceSummary:
    name: str
    latest: Standing


def reference_summaries(patient: Patient) -> list[ReferenceSummary]:
    """Per instrument: the latest score with the baseline and best it is read against."""
    by_code = standings_by_patient([patient.pk]).get(patient.pk, {})
    return [
        ReferenceSummary(instruments.get(code).name, series[-1])
        for code, series in sorted(by_code.items())
        if series
    ]


@dataclass(frozen=True)
class ScoreRow:
    response: Response
    standing: Standing | None


def score_rows(patient: Patient, *, limit: int = 200) -> list[ScoreRow]:
    """Scores newest first, each with its change from baseline and from the best before it."""
    responses = list(
        Response.objects.filter(patient=patient).select_related("collected_by")[:limit]
    )
    by_response = standings_by_response(patient)
    return [ScoreRow(r, by_response.get(r.pk)) for r in responses]


def _marker(standing: Standing | None) -> str:
    if standing is None:
        return ""
    if standing.relapse_from_best:
        return "Reliably worse than best"
    if standing.is_baseline:
        return "Baseline"
    return ""


def trajectory(patient: Patient, codes: tuple[str, ...] = ("gad7", "phq9")) -> list[dict[str, Any]]:
    """Return GAD-7 and PHQ-9 totals over time as plain rows (for the chart and its table),
    with the baseline and any reliable worsening from the best marked."""
    rows = Response.objects.filter(
        patient=patient, instrument__in=codes, total__isnull=False
    ).order_by("collected_at", "pk")
    by_response = standings_by_response(patient)
    out = []
    for r in rows:
        standing = by_response.get(r.pk)
        best = standing.best if standing else None
        # In the zone of the clinic this request is for. `at` carries no offset on purpose:
        # the chart then draws the clinic's wall-clock time whatever the browser's zone.
        local = timezone.localtime(r.collected_at)
        out.append(
            {
                "date": local.date().isoformat(),
                "at": local.replace(tzinfo=None).isoformat(timespec="minutes"),
                "instrument": instruments.get(r.instrument).name,
                "total": r.total,
                "band": r.band,
                "marker": _marker(standing),
                "best": best.point.total if best else None,
            }
        )
    return out
