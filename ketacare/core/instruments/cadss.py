"""CADSS: Clinician-Administered Dissociative States Scale, 23-item form used in ketamine
work, each item 0-4, total 0-92 (derived) [K70][K71].

Dissociation is expected during a ketamine session and wanes with repeated doses
(CADSS 20 in week 1 to 8.8 by week 14 in the Otago maintenance study [K37]). No severity
bands are published; esketamine trials used CADSS > 4 to mark dissociation [K72]
(secondary source). No LOINC code found (UNCONFIRMED). Licence UNCONFIRMED: items are shown
by number only, and the clinician administers from the clinic's own copy.
"""

from __future__ import annotations

from ketacare.core.instruments.base import SEVERITY_0_4, Instrument, Item, Rater

CADSS = Instrument(
    code="cadss",
    name="CADSS",
    version="23-item",
    items=tuple(Item(str(n), f"CADSS item {n}", SEVERITY_0_4) for n in range(1, 24)),
    rater=Rater.CLINICIAN,
    recall="During and after the dose",
    source="[K70][K71][K72][K37]",
    licence="UNCONFIRMED: item numbers only; administer from the clinic's own copy.",
)
