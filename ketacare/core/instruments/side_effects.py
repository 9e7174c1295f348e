"""Ketamine side-effect check: ketacare's own short list, not a validated scale.

Eight items rated 0 none, 1 mild, 2 moderate, 3 severe, since the last dose. The items
follow the commonest adverse events reported after ketamine and esketamine: dissociation,
dizziness, nausea, headache, sedation and sleep [K47][K26][K53]; mood swings [K52];
memory and concentration [K53]; and craving, watched because ketamine can be misused
[K18][K55]. Most acute effects resolve within 2-4 hours [K53], so a lingering effect the
next day is worth a look.

Escalation (our design, to be signed off by the clinic's clinical lead):
- any item rated severe (3) -> warning: review within a day;
- craving rated moderate or worse (>= 2) -> warning: misuse risk [K18][K55];
- lingering dissociation moderate or worse (>= 2) -> warning [K53].
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacare.core.instruments.base import (
    NONE_TO_SEVERE,
    Flag,
    Instrument,
    Item,
    Rater,
    Severity,
)

_ITEMS = (
    ("dissociation", "Still feeling detached, unreal or 'spaced out'"),
    ("nausea", "Nausea or vomiting"),
    ("dizziness", "Dizziness or unsteadiness"),
    ("headache", "Headache"),
    ("sleep", "Sleep problems or unusual drowsiness"),
    ("mood", "Mood swings, feeling low or agitated"),
    ("memory", "Trouble with memory or concentration"),
    ("craving", "Craving ketamine or wanting more of it"),
)


class _SideEffects(Instrument):
    def flags_for(self, answers: Mapping[str, int], total: int) -> tuple[Flag, ...]:
        flags = []
        # ours: "severe" on any item; common effects should fade within hours [K53]
        severe = [code for code, value in answers.items() if value == 3]
        if severe:
            flags.append(
                Flag(
                    "side_effect_severe",
                    Severity.WARNING,
                    "Severe side effect reported: "
                    + ", ".join(self.item(c).text.lower() for c in severe)
                    + ".",
                    item=severe[0],
                )
            )
        if answers.get("craving", 0) >= 2:  # [K18][K55]
            flags.append(
                Flag(
                    "craving",
                    Severity.WARNING,
                    "Moderate or severe craving for ketamine: review misuse risk.",
                    item="craving",
                )
            )
        if answers.get("dissociation", 0) >= 2:  # [K53] should resolve within hours
            flags.append(
                Flag(
                    "lingering_dissociation",
                    Severity.WARNING,
                    "Dissociation still moderate or worse after the dose.",
                    item="dissociation",
                )
            )
        return tuple(flags)


SIDE_EFFECTS = _SideEffects(
    code="side_effects",
    name="Side-effect check",
    version="ketacare-1",
    items=tuple(Item(code, text, NONE_TO_SEVERE) for code, text in _ITEMS),
    rater=Rater.PATIENT,
    recall="Since your last treatment",
    intro="Since your last treatment, how much have you had each of these?",
    source="[K47][K26][K52][K53][K18][K55]",
    licence="ketacare's own list (AGPL), not a validated scale.",
)
