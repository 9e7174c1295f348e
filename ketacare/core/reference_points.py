"""Reference points for a patient's scores: baseline and best since treatment started.

One definition of each, used by the staff score table, the chart, the portal's plain
words, the patient list and the API.

*Treatment start* is when the patient first entered a treatment phase (induction or
maintenance); dosing sessions will give the first dose time instead. The caller passes it.

*Baseline* is the score that starts treatment: the LAST score collected at or before
treatment start (trials rate anxiety just before dosing and measure change from there
[K40]; real-world series report pre-treatment to post-induction change [K45]). If no
score came before treatment start, the first score after it stands in (kind
FIRST_AFTER_START), and a patient not yet in treatment is measured from their first score
(kind NOT_STARTED). The kind is kept so a screen can say which it is.

*Best since treatment started* is the lowest total collected after treatment start and
before the score being looked at (lower is better on every instrument with a change
rule here). A score is compared with the best BEFORE it, so a past row in a table is read
as it was at the time, and the latest score is never its own best.

Each change carries reliable change (Jacobson-Truax, thresholds in
`instruments.change` [K91][K63]). A reliable worsening from the best is a *relapse from
best*: the sign the first-score comparison used to hide (best 9, back to 19: +10 from the
best, while only +2 from the first score). "Relapse" here is a measurement word, not a
diagnosis [K96].
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ketacare.core.instruments.base import Instrument
from ketacare.core.instruments.change import Change, Direction, compare
from ketacare.core.phases import Phase

# Entering one of these phases starts treatment (until dosing sessions give the first dose).
TREATMENT_PHASES: frozenset[Phase] = frozenset({Phase.INDUCTION, Phase.MAINTENANCE})


@dataclass(frozen=True)
class ScorePoint:
    """One total on one instrument. `seq` breaks ties at the same time (e.g. a row id)."""

    at: dt.datetime
    total: int
    seq: int = 0


class BaselineKind(StrEnum):
    BEFORE_TREATMENT = "last score before treatment started"
    FIRST_AFTER_START = "first score after treatment started (none before)"
    NOT_STARTED = "first score (treatment not started)"


@dataclass(frozen=True)
class Reference:
    point: ScorePoint
    kind: str  # a BaselineKind, or "best since treatment started"


BEST = "best since treatment started"


@dataclass(frozen=True)
class Standing:
    """One score read against the baseline and the best before it."""

    point: ScorePoint
    baseline: Reference | None
    best: Reference | None
    from_baseline: Change | None
    from_best: Change | None

    @property
    def relapse_from_best(self) -> bool:
        return self.from_best is not None and self.from_best.direction == Direction.WORSENED

    @property
    def is_baseline(self) -> bool:
        return self.baseline is not None and self.baseline.point == self.point


def _ordered(points: Iterable[ScorePoint]) -> list[ScorePoint]:
    return sorted(points, key=lambda p: (p.at, p.seq))


def baseline(
    points: Iterable[ScorePoint], *, treatment_start: dt.datetime | None
) -> Reference | None:
    """Return the score that starts treatment (see the module docstring), or None."""
    ordered = _ordered(points)
    if not ordered:
        return None
    if treatment_start is None:
        return Reference(ordered[0], BaselineKind.NOT_STARTED)
    before = [p for p in ordered if p.at <= treatment_start]
    if before:
        return Reference(before[-1], BaselineKind.BEFORE_TREATMENT)
    return Reference(ordered[0], BaselineKind.FIRST_AFTER_START)


def _is_treatment_score(point: ScorePoint, start: dt.datetime | None, base: Reference) -> bool:
    return start is not None and point.at > start and point != base.point


def best_since_start(
    points: Iterable[ScorePoint],
    *,
    treatment_start: dt.datetime | None,
    before: ScorePoint | None = None,
) -> Reference | None:
    """Return the lowest score after treatment start (and before `before`), earliest first
    on ties; None before treatment starts or when there is no such score."""
    ordered = _ordered(points)
    base = baseline(ordered, treatment_start=treatment_start)
    if base is None:
        return None
    limit = (before.at, before.seq) if before else None
    candidates = [
        p
        for p in ordered
        if _is_treatment_score(p, treatment_start, base)
        and (limit is None or (p.at, p.seq) < limit)
    ]
    if not candidates:
        return None
    return Reference(min(candidates, key=lambda p: (p.total, p.at, p.seq)), BEST)


def standings(
    instrument: Instrument,
    points: Sequence[ScorePoint],
    *,
    treatment_start: dt.datetime | None,
) -> list[Standing]:
    """Return every score (oldest first) with its change from baseline and from the best
    before it, each with reliable change. Instruments without a change rule get None."""
    ordered = _ordered(points)
    base = baseline(ordered, treatment_start=treatment_start)
    out: list[Standing] = []
    best: ScorePoint | None = None
    for point in ordered:
        from_baseline = (
            compare(instrument, baseline=base.point.total, current=point.total)
            if base is not None and point != base.point
            else None
        )
        from_best = compare(instrument, baseline=best.total, current=point.total) if best else None
        out.append(
            Standing(
                point,
                base,
                Reference(best, BEST) if best else None,
                from_baseline,
                from_best,
            )
        )
        is_new_low = best is None or point.total < best.total
        if base is not None and _is_treatment_score(point, treatment_start, base) and is_new_low:
            best = point
    return out


def latest_standing(
    instrument: Instrument,
    points: Sequence[ScorePoint],
    *,
    treatment_start: dt.datetime | None,
) -> Standing | None:
    """The most recent score read against its reference points (None without scores)."""
    rows = standings(instrument, points, treatment_start=treatment_start)
    return rows[-1] if rows else None
