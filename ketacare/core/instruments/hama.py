"""HAM-A: Hamilton Anxiety Rating Scale, clinician-rated, 14 items 0-4, total 0-56 [K69].

There are no canonical severity bands; the openEHR archetype's are used here
(<=17 mild, 18-24 mild to moderate, 25-30 moderate to severe, >30 severe) [K69], and the
band is shown as a guide only. A >=50% fall is the response definition in the Otago ketamine
protocol [K40]. No LOINC code found (UNCONFIRMED). Licence: UNCONFIRMED; only the standard
item headings are shown, and clinicians rate from their own copy of the scale.
"""

from __future__ import annotations

from ketacare.core.instruments.base import SEVERITY_0_4, Band, Instrument, Item, Rater

_HEADINGS = (
    "Anxious mood",
    "Tension",
    "Fears",
    "Insomnia",
    "Intellectual (cognitive)",
    "Depressed mood",
    "Somatic (muscular)",
    "Somatic (sensory)",
    "Cardiovascular symptoms",
    "Respiratory symptoms",
    "Gastrointestinal symptoms",
    "Genitourinary symptoms",
    "Autonomic symptoms",
    "Behaviour at interview",
)

HAMA = Instrument(
    code="hama",
    name="HAM-A",
    version="1.0",
    items=tuple(Item(str(n), heading, SEVERITY_0_4) for n, heading in enumerate(_HEADINGS, 1)),
    rater=Rater.CLINICIAN,
    recall="At interview",
    source="[K69][K40]",
    licence="UNCONFIRMED: item headings only; rate from the clinic's own copy.",
    bands=(
        Band(0, 17, "Mild"),  # [K69] openEHR; no canonical bands
        Band(18, 24, "Mild to moderate"),
        Band(25, 30, "Moderate to severe"),
        Band(31, 56, "Severe"),
    ),
)
