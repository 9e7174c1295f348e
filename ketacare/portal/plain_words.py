"""A patient's own scores, explained in plain words (written for ketacare).

The comparison points are the ones staff see (core.reference_points: the baseline that
starts treatment and the best since treatment started), and a change is called real only
when it is a reliable change (bigger than the questionnaire's usual ups and downs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ketacare.core import instruments
from ketacare.core.instruments.change import Direction
from ketacare.core.reference_points import BaselineKind, Standing
from ketacare.measures.selectors import standings_by_patient
from ketacare.patients.models import Patient

WHAT_IT_MEASURES = {
    "gad7": "anxiety",
    "phq9": "low mood",
}

REFERENCE_WORDS = {
    BaselineKind.BEFORE_TREATMENT: "your score when you started treatment",
    BaselineKind.FIRST_AFTER_START: "your first score in treatment",
    BaselineKind.NOT_STARTED: "your first score",
}


@dataclass(frozen=True)
class Explained:
    title: str
    latest: str
    since_start: str
    since_best: str = ""


def _points(n: int) -> str:
    return f"{n} point{'s' if n != 1 else ''}"


def since_start(s: Standing) -> str:
    """The latest score against the baseline, saying whether the change is a real one."""
    if s.baseline is None or s.from_baseline is None:
        if s.baseline is not None and s.baseline.kind == BaselineKind.BEFORE_TREATMENT:
            return "This is the score your care team measures your progress from."
        return "This is your first score; later ones will show how things change."
    ref = f"{REFERENCE_WORDS[BaselineKind(s.baseline.kind)]} ({s.baseline.point.total})"
    change = s.from_baseline
    if change.delta == 0:
        return f"That is the same as {ref}."
    if change.direction == Direction.IMPROVED:
        return (
            f"That is {_points(-change.delta)} lower than {ref}. Lower is better, and this is "
            "a real improvement: bigger than the usual ups and downs of this questionnaire."
        )
    if change.direction == Direction.WORSENED:
        return (
            f"That is {_points(change.delta)} higher than {ref}: more than the usual ups and "
            "downs. Your care team can see this too; please tell them how you are doing."
        )
    if change.delta < 0:
        return (
            f"That is {_points(-change.delta)} lower than {ref}. Lower is better, though a "
            "change this size can still be part of the usual ups and downs."
        )
    return (
        f"That is {_points(change.delta)} higher than {ref}. A change this size is within "
        "the usual ups and downs of this questionnaire."
    )


def since_best(s: Standing) -> str:
    """Said only when the latest score is reliably worse than the best since treatment began."""
    if not s.relapse_from_best or s.best is None or s.from_best is None:
        return ""
    return (
        f"Your best score since treatment began was {s.best.point.total} "
        f"({_day(s.best.point.at)}). This one is {_points(s.from_best.delta)} higher, more "
        "than the usual ups and downs. Feeling worse again after feeling better happens to "
        "some people, and it helps to say so early: your care team can see your scores; "
        "please contact the clinic to talk it through."
    )


def _day(at: dt.datetime) -> str:
    """The day in the clinic's zone (the request's), e.g. "5 Mar"."""
    local = timezone.localtime(at)
    return f"{local.day} {local:%b}"


def explain_scores(patient: Patient) -> list[Explained]:
    by_code = standings_by_patient([patient.pk], tuple(WHAT_IT_MEASURES)).get(patient.pk, {})
    out = []
    for code, topic in WHAT_IT_MEASURES.items():
        series = by_code.get(code)
        if not series:
            continue
        definition = instruments.get(code)
        latest = series[-1]
        band = definition.band_for(latest.point.total) or ""
        summary = (
            f"Your most recent {topic} score ({definition.name}, {_day(latest.point.at)}) "
            f"was {latest.point.total} out of {definition.max_total}, which is in the "
            f"{band.lower()} range."
        )
        out.append(
            Explained(
                f"{topic.capitalize()} ({definition.name})",
                summary,
                since_start(latest),
                since_best(latest),
            )
        )
    return out
