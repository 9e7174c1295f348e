"""GAD-7: Generalized Anxiety Disorder 7-item scale (Spitzer et al. 2006).

Seven items, each 0-3, over the past two weeks; total 0-21 [K58][K59].
Bands 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe [K58][K59].
Caseness >= 8 and reliable change >= 4 points (NHS Talking Therapies, via [K63]).
LOINC: panel 69737-5, total 70274-6, items and answers per [K84][K85]. Quirk: LOINC
69689-8 (item 6) carries a 4-week window in LOINC [K85]; we keep the 2-week wording.
Licence: Pfizer; no permission needed to reproduce, translate, display or distribute [K64].
"""

from __future__ import annotations

from ketacare.core.instruments.base import (
    FREQUENCY_OPTIONS,
    Band,
    ChangeRule,
    Instrument,
    Item,
    Rater,
)

_ITEMS = (
    ("1", "Feeling nervous, anxious, or on edge", "69725-0"),
    ("2", "Not being able to stop or control worrying", "68509-9"),
    ("3", "Worrying too much about different things", "69733-4"),
    ("4", "Trouble relaxing", "69734-2"),
    ("5", "Being so restless that it is hard to sit still", "69735-9"),
    ("6", "Becoming easily annoyed or irritable", "69689-8"),
    ("7", "Feeling afraid, as if something awful might happen", "69736-7"),
)

GAD7 = Instrument(
    code="gad7",
    name="GAD-7",
    version="1.0",
    items=tuple(Item(code, text, FREQUENCY_OPTIONS, loinc) for code, text, loinc in _ITEMS),
    rater=Rater.PATIENT,
    recall="Over the last 2 weeks",
    intro="Over the last 2 weeks, how often have you been bothered by the following problems?",
    source="[K58][K59][K63][K84][K85]",
    licence="Pfizer: no permission required [K64].",
    bands=(
        Band(0, 4, "Minimal"),  # [K58]
        Band(5, 9, "Mild"),
        Band(10, 14, "Moderate"),
        Band(15, 21, "Severe"),
    ),
    loinc_panel="69737-5",  # [K84]
    loinc_total="70274-6",  # [K84]
    change=ChangeRule(reliable_change=4, caseness=8, source="[K63] NHS TT"),
)
