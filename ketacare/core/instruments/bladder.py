"""Bladder symptom check: ketacare's own five questions, not a validated scale.

Ketamine can damage the bladder: urinary symptoms are common in frequent recreational
users (26.6% [K55]; frequency, incomplete emptying and nocturia in 62-67% of a Taiwanese
series, starting after about two years of use [K56][K57]), and esketamine caused more
lower urinary tract symptoms than placebo, without interstitial cystitis to one year [K19].
The label asks for bladder symptoms to be monitored [K19]. Validated screens (PUF,
O'Leary-Sant) exist but their licences are UNCONFIRMED [K81][K83].

Escalation (our design, to be signed off by the clinic's clinical lead):
- blood in the urine -> urgent: same-day clinical review;
- bladder or pelvic pain moderate or worse (>= 2) -> warning;
- any other symptom moderate or worse (>= 2) -> warning: review and consider a urine test.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacare.core.instruments.base import (
    NONE_TO_SEVERE,
    YES_NO,
    Flag,
    Instrument,
    Item,
    Rater,
    Severity,
)

_ITEMS = (
    Item("frequency", "Needing to pass urine more often than usual", NONE_TO_SEVERE),
    Item("urgency", "Sudden, strong urges to pass urine", NONE_TO_SEVERE),
    Item("pain", "Pain in the bladder or lower belly, or when passing urine", NONE_TO_SEVERE),
    Item("blood", "Blood in your urine", YES_NO),
    Item("nocturia", "Getting up at night to pass urine more than before", NONE_TO_SEVERE),
)


class _Bladder(Instrument):
    def flags_for(self, answers: Mapping[str, int], total: int) -> tuple[Flag, ...]:
        flags = []
        # Thresholds below are ketacare's own (no source sets them); monitoring per [K19].
        if answers.get("blood") == 1:
            flags.append(
                Flag(
                    "haematuria",
                    Severity.URGENT,
                    "Blood in the urine reported: same-day clinical review.",
                    item="blood",
                )
            )
        if answers.get("pain", 0) >= 2:  # ours: moderate or worse
            flags.append(
                Flag(
                    "bladder_pain",
                    Severity.WARNING,
                    "Moderate or severe bladder pain reported.",
                    item="pain",
                )
            )
        others = [c for c in ("frequency", "urgency", "nocturia") if answers.get(c, 0) >= 2]
        if others:
            flags.append(
                Flag(
                    "bladder_symptoms",
                    Severity.WARNING,
                    "Moderate or severe bladder symptoms: review and consider a urine test.",
                    item=others[0],
                )
            )
        return tuple(flags)


BLADDER = _Bladder(
    code="bladder",
    name="Bladder check",
    version="ketacare-1",
    items=_ITEMS,
    rater=Rater.PATIENT,
    recall="In the past 2 weeks",
    intro="In the past 2 weeks, how much have you had each of these?",
    source="[K19][K55][K56][K57][K81][K83]",
    licence="ketacare's own questions (AGPL), not a validated scale.",
)
