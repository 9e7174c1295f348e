"""A patient's own scores, explained in plain words (written for ketacare)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ketacare.core import instruments
from ketacare.measures.models import Response
from ketacare.patients.models import Patient

WHAT_IT_MEASURES = {
    "gad7": "anxiety",
    "phq9": "low mood",
}


@dataclass(frozen=True)
class Explained:
    title: str
    latest: str
    since_start: str


def _day(at: dt.datetime) -> str:
    """The day in the clinic's zone (the request's), e.g. "5 Mar"."""
    local = timezone.localtime(at)
    return f"{local.day} {local:%b}"


def explain_scores(patient: Patient) -> list[Explained]:
    out = []
    for code, topic in WHAT_IT_MEASURES.items():
        rows = list(
            Response.objects.filter(patient=patient, instrument=code, total__isnull=False).order_by(
                "collected_at", "pk"
            )
        )
        if not rows:
            continue
        definition = instruments.get(code)
        first, last = rows[0], rows[-1]
        latest = (
            f"Your most recent {topic} score ({definition.name}, {_day(last.collected_at)}) "
            f"was {last.total} out of {definition.max_total}, which is in the "
            f"{last.band.lower()} range."
        )
        if len(rows) == 1:
            since = "This is your first score; later ones will show how things change."
        else:
            delta = (
                last.total - first.total
                if last.total is not None and first.total is not None
                else 0
            )
            if delta < 0:
                since = (
                    f"That is {-delta} points lower than your first score of {first.total}: "
                    "lower is better."
                )
            elif delta > 0:
                since = (
                    f"That is {delta} points higher than your first score of {first.total}. "
                    "Scores go up and down; your care team looks at this with you."
                )
            else:
                since = f"That is the same as your first score of {first.total}."
        out.append(Explained(f"{topic.capitalize()} ({definition.name})", latest, since))
    return out
