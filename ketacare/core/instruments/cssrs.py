"""C-SSRS screener (Columbia Suicide Severity Rating Scale, screen version, past month).

Six yes/no questions with skip logic [K73][K74]:
  1 wish to be dead; 2 non-specific active suicidal thoughts;
  if 2 is yes: 3 thoughts of a method (no intent), 4 some intent, 5 plan with intent;
  6 suicidal behaviour ever, and if yes, 6a whether it was in the past 3 months.
Risk [K73][K74]: yes to 1 or 2 -> low; yes to 3, or behaviour only longer ago -> moderate;
yes to 4 or 5, or behaviour in the past 3 months -> high.
LOINC: risk level 93374-7 with answers LA9194-7 Low, LA6751-7 Moderate, LA9193-9 High [K74].
Item-level screener codes are not confirmed in our reference, so items carry none.

Licence: copyrighted by the Research Foundation for Mental Hygiene; free to use with
registration at the Columbia Lighthouse Project; the wording must not be changed [K73].
A clinic using ketacare must register before use. The wording below is the screener's.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacare.core.instruments.base import (
    YES_NO,
    Flag,
    Instrument,
    InstrumentError,
    Item,
    Rater,
    Score,
    Severity,
)

RISK_LOINC = "93374-7"  # [K74]
RISK_ANSWERS = {"low": "LA9194-7", "moderate": "LA6751-7", "high": "LA9193-9"}  # [K74]

_ITEMS = (
    Item(
        "1",
        "Have you wished you were dead or wished you could go to sleep and not wake up?",
        YES_NO,
    ),
    Item("2", "Have you actually had any thoughts of killing yourself?", YES_NO),
    Item("3", "Have you been thinking about how you might do this?", YES_NO),
    Item("4", "Have you had these thoughts and had some intention of acting on them?", YES_NO),
    Item(
        "5",
        "Have you started to work out or worked out the details of how to kill yourself? "
        "Do you intend to carry out this plan?",
        YES_NO,
    ),
    Item(
        "6",
        "Have you ever done anything, started to do anything, or prepared to do anything "
        "to end your life?",
        YES_NO,
    ),
    Item("6a", "Was this within the past 3 months?", YES_NO),
)


class _CssrsScreener(Instrument):
    def visible_items(self, answers: Mapping[str, int]) -> tuple[Item, ...]:
        shown = ["1", "2"]
        if answers.get("2") == 1:  # [K73] questions 3-5 only after a yes to 2
            shown += ["3", "4", "5"]
        shown.append("6")
        if answers.get("6") == 1:
            shown.append("6a")
        return tuple(item for item in self.items if item.code in shown)

    def risk(self, answers: Mapping[str, int]) -> str:
        """Return "none", "low", "moderate" or "high" [K73][K74]."""
        yes = {code for code, value in answers.items() if value == 1}
        if yes & {"4", "5"} or ("6" in yes and "6a" in yes):
            return "high"
        if "3" in yes or "6" in yes:
            return "moderate"
        if yes & {"1", "2"}:
            return "low"
        return "none"

    def score(self, answers: Mapping[str, object]) -> Score:
        clean = self.validate(answers)
        risk = self.risk(clean)
        flags: tuple[Flag, ...] = ()
        if risk in ("moderate", "high"):
            flags = (
                Flag(
                    code=f"cssrs_{risk}",
                    severity=Severity.URGENT,
                    message=f"C-SSRS screen: {risk} suicide risk. Contact the patient now and "
                    "follow the clinic's suicide-risk protocol.",
                ),
            )
        elif risk == "low":
            flags = (
                Flag(
                    code="cssrs_low",
                    severity=Severity.WARNING,
                    message="C-SSRS screen: low risk (wish to be dead or passive thoughts). "
                    "Review at the next contact.",
                ),
            )
        return Score(self.code, self.version, clean, None, risk, flags, risk=risk)


CSSRS = _CssrsScreener(
    code="cssrs",
    name="C-SSRS screener",
    version="screen-past-month",
    items=_ITEMS,
    rater=Rater.PATIENT,
    recall="In the past month",
    intro="In the past month:",
    source="[K73][K74]",
    licence="Copyrighted; free with registration at the Columbia Lighthouse Project; fixed "
    "wording [K73].",
    loinc_total=RISK_LOINC,
)


def require_risk(score: Score) -> str:
    if score.risk is None:
        raise InstrumentError("Not a C-SSRS score.")
    return score.risk
