"""Change between two scores: reliable change (Jacobson-Truax) and caseness.

SE_diff = SD1 * sqrt(2) * sqrt(1 - r); a change is reliable at 95% when
|x2 - x1| > 1.96 * SE_diff [K91][K92]. The integer thresholds ketacare uses are the
published NHS Talking Therapies ones (GAD-7 4, PHQ-9 6 [K63]), which the formula
reproduces from the reference's inputs (PHQ-9: SD 5.5, r 0.89 -> 5.06 -> 6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from ketacare.core.instruments.base import Instrument


def se_diff(sd_baseline: float, reliability: float) -> float:
    """Return the standard error of the difference [K91]."""
    if not 0 <= reliability < 1:
        raise ValueError("reliability must be in [0, 1)")
    if sd_baseline <= 0:
        raise ValueError("sd_baseline must be positive")
    return sd_baseline * math.sqrt(2) * math.sqrt(1 - reliability)


def minimum_reliable_change(sd_baseline: float, reliability: float) -> float:
    """Return the smallest raw change that is reliable at 95% (1.96 x SE_diff) [K91][K92]."""
    return 1.96 * se_diff(sd_baseline, reliability)


class Direction(StrEnum):
    IMPROVED = "improved"
    WORSENED = "worsened"
    NO_RELIABLE_CHANGE = "no reliable change"


@dataclass(frozen=True)
class Change:
    delta: int  # current - baseline; positive is worse on these scales
    direction: Direction
    case_at_baseline: bool
    case_now: bool


def compare(instrument: Instrument, *, baseline: int, current: int) -> Change | None:
    """Return the change from baseline, or None if the instrument has no change rule."""
    rule = instrument.change
    if rule is None:
        return None
    delta = current - baseline
    if delta >= rule.reliable_change:
        direction = Direction.WORSENED
    elif -delta >= rule.reliable_change:
        direction = Direction.IMPROVED
    else:
        direction = Direction.NO_RELIABLE_CHANGE
    return Change(delta, direction, baseline >= rule.caseness, current >= rule.caseness)
