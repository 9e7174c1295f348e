"""Reads for questionnaires and scores, shaped for templates and charts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from ketacare.core import instruments
from ketacare.core.instruments.change import compare
from ketacare.measures.models import CheckIn, Response
from ketacare.patients.models import Patient


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


@dataclass(frozen=True)
class ScoreRow:
    response: Response
    change: int | None
    direction: str
    case_now: bool | None


def score_rows(patient: Patient, *, limit: int = 200) -> list[ScoreRow]:
    """Scores newest first, each with its change from that instrument's first (baseline) score."""
    responses = list(
        Response.objects.filter(patient=patient).select_related("collected_by")[:limit]
    )
    baselines: dict[str, int] = {}
    for r in sorted(responses, key=lambda r: (r.collected_at, r.pk)):
        if r.total is not None:
            baselines.setdefault(r.instrument, r.total)
    rows = []
    for r in responses:
        change = None
        if r.total is not None and r.instrument in baselines:
            change = compare(
                instruments.get(r.instrument), baseline=baselines[r.instrument], current=r.total
            )
        rows.append(
            ScoreRow(
                r,
                change.delta if change else None,
                str(change.direction) if change else "",
                change.case_now if change else None,
            )
        )
    return rows


def trajectory(patient: Patient, codes: tuple[str, ...] = ("gad7", "phq9")) -> list[dict[str, Any]]:
    """Return GAD-7 and PHQ-9 totals over time as plain rows (for the chart and its table)."""
    rows = Response.objects.filter(
        patient=patient, instrument__in=codes, total__isnull=False
    ).order_by("collected_at", "pk")
    rows_out = []
    for r in rows:
        # In the zone of the clinic this request is for. `at` carries no offset on purpose:
        # the chart then draws the clinic's wall-clock time whatever the browser's zone.
        local = timezone.localtime(r.collected_at)
        rows_out.append(
            {
                "date": local.date().isoformat(),
                "at": local.replace(tzinfo=None).isoformat(timespec="minutes"),
                "instrument": instruments.get(r.instrument).name,
                "total": r.total,
                "band": r.band,
            }
        )
    return rows_out


def open_checkins(patient: Patient) -> list[CheckIn]:
    from ketacare.measures.models import OPEN_STATUSES

    return list(
        CheckIn.objects.filter(patient=patient, status__in=OPEN_STATUSES).order_by("due_at")
    )
