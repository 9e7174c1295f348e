"""The questionnaires ketacare scores. One module per instrument; REGISTRY finds them."""

from __future__ import annotations

from collections.abc import Mapping

from ketacare.core.instruments.base import (
    Flag,
    Instrument,
    InstrumentError,
    Item,
    Option,
    Rater,
    Score,
    Severity,
)
from ketacare.core.instruments.bladder import BLADDER
from ketacare.core.instruments.cadss import CADSS
from ketacare.core.instruments.cssrs import CSSRS
from ketacare.core.instruments.gad7 import GAD7
from ketacare.core.instruments.hama import HAMA
from ketacare.core.instruments.phq9 import PHQ9
from ketacare.core.instruments.side_effects import SIDE_EFFECTS

REGISTRY: dict[str, Instrument] = {
    i.code: i for i in (GAD7, PHQ9, CSSRS, SIDE_EFFECTS, BLADDER, HAMA, CADSS)
}


def get(code: str) -> Instrument:
    try:
        return REGISTRY[code]
    except KeyError:
        raise InstrumentError(f"Unknown instrument {code!r}.") from None


def score(code: str, answers: Mapping[str, object]) -> Score:
    return get(code).score(answers)


__all__ = [
    "BLADDER",
    "CADSS",
    "CSSRS",
    "GAD7",
    "HAMA",
    "PHQ9",
    "SIDE_EFFECTS",
    "REGISTRY",
    "Flag",
    "Instrument",
    "InstrumentError",
    "Item",
    "Option",
    "Rater",
    "Score",
    "Severity",
    "get",
    "score",
]
