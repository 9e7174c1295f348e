"""PHQ-9: Patient Health Questionnaire, 9 items (Kroenke, Spitzer, Williams 2001).

Nine items, each 0-3, over the past two weeks; total 0-27 [K65][K66].
Bands 5/10/15/20: mild, moderate, moderately severe, severe [K65].
Item 9 (thoughts of being better off dead or of self-harm) above 0 is a safety flag that
calls for a structured risk assessment such as the C-SSRS [K74]; one-year suicide-attempt
risk rises from 0.4% to 4% across its answers, independent of the total [K89].
Caseness >= 10 and reliable change >= 6 points (NHS Talking Therapies, via [K63]).
The difficulty item (LOINC 69722-7 [K88]) is recorded but not scored.
LOINC: panel 44249-1, total 44261-6, items per [K86][K87].
Licence: Pfizer; no permission needed [K64].
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacare.core.instruments.base import (
    FREQUENCY_OPTIONS,
    Band,
    ChangeRule,
    Flag,
    Instrument,
    Item,
    Option,
    Rater,
    Severity,
)

_ITEMS = (
    ("1", "Little interest or pleasure in doing things", "44250-9"),
    ("2", "Feeling down, depressed, or hopeless", "44255-8"),
    ("3", "Trouble falling or staying asleep, or sleeping too much", "44259-0"),
    ("4", "Feeling tired or having little energy", "44254-1"),
    ("5", "Poor appetite or overeating", "44251-7"),
    (
        "6",
        "Feeling bad about yourself, or that you are a failure or have let yourself "
        "or your family down",
        "44258-2",
    ),
    (
        "7",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "44252-5",
    ),
    (
        "8",
        "Moving or speaking so slowly that other people could have noticed; or the opposite, "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "44253-3",
    ),
    (
        "9",
        "Thoughts that you would be better off dead, or of hurting yourself in some way",
        "44260-8",
    ),
)

DIFFICULTY = Item(
    code="difficulty",
    text="If you checked off any problems, how difficult have these problems made it for you "
    "to do your work, take care of things at home, or get along with other people?",
    options=(
        # LOINC answer list of 69722-7 [K88]; "very" is LA6575-0 and "extremely" LA6574-3.
        Option(0, "Not difficult at all", "LA6572-7"),
        Option(1, "Somewhat difficult", "LA6573-5"),
        Option(2, "Very difficult", "LA6575-0"),
        Option(3, "Extremely difficult", "LA6574-3"),
    ),
    loinc="69722-7",  # [K88] check on loinc.org
    scored=False,
    required=False,
)


class _Phq9(Instrument):
    def flags_for(self, answers: Mapping[str, int], total: int) -> tuple[Flag, ...]:
        if answers.get("9", 0) > 0:  # [K74] any item-9 score > 0
            return (
                Flag(
                    code="phq9_item9",
                    severity=Severity.URGENT,
                    message="PHQ-9 item 9 is above 0: thoughts of death or self-harm. "
                    "Contact the patient today and complete a structured risk assessment "
                    "(C-SSRS).",
                    item="9",
                ),
            )
        return ()


PHQ9 = _Phq9(
    code="phq9",
    name="PHQ-9",
    version="1.0",
    items=(
        *(Item(code, text, FREQUENCY_OPTIONS, loinc) for code, text, loinc in _ITEMS),
        DIFFICULTY,
    ),
    rater=Rater.PATIENT,
    recall="Over the last 2 weeks",
    intro="Over the last 2 weeks, how often have you been bothered by any of the following "
    "problems?",
    source="[K65][K66][K63][K74][K86][K87][K88][K89]",
    licence="Pfizer: no permission required [K64].",
    bands=(
        Band(0, 4, "None-minimal"),  # [K65]
        Band(5, 9, "Mild"),
        Band(10, 14, "Moderate"),
        Band(15, 19, "Moderately severe"),
        Band(20, 27, "Severe"),
    ),
    loinc_panel="44249-1",  # [K86]
    loinc_total="44261-6",  # [K86]
    change=ChangeRule(reliable_change=6, caseness=10, source="[K63] NHS TT"),
)
