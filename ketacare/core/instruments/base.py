"""Shared shapes for questionnaires: items, options, bands, flags, scores, errors.

An instrument scores a mapping of item code -> integer answer. Wrong input raises
InstrumentError naming the item, so a form or API can show the message beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class InstrumentError(ValueError):
    """Answers an instrument cannot score; `item` names the offending item, if one."""

    def __init__(self, message: str, *, item: str | None = None) -> None:
        super().__init__(message)
        self.item = item
        self.message = message


class Severity(StrEnum):
    URGENT = "urgent"  # a person must act now (suicidality, haematuria)
    WARNING = "warning"  # review soon
    INFO = "info"


class Rater(StrEnum):
    PATIENT = "patient"
    CLINICIAN = "clinician"


@dataclass(frozen=True)
class Option:
    value: int
    label: str
    loinc: str | None = None


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    options: tuple[Option, ...]
    loinc: str | None = None
    scored: bool = True  # counts towards the total
    required: bool = True

    def option(self, value: int) -> Option:
        for option in self.options:
            if option.value == value:
                return option
        raise KeyError(value)


@dataclass(frozen=True)
class Band:
    """A severity band, inclusive at both ends."""

    low: int
    high: int
    label: str


@dataclass(frozen=True)
class Flag:
    code: str
    severity: Severity
    message: str
    item: str | None = None


@dataclass(frozen=True)
class Score:
    instrument: str
    version: str
    answers: Mapping[str, int]
    total: int | None
    band: str | None
    flags: tuple[Flag, ...] = ()
    # C-SSRS gives a risk level rather than a total.
    risk: str | None = None

    @property
    def urgent(self) -> bool:
        return any(f.severity == Severity.URGENT for f in self.flags)


@dataclass(frozen=True)
class ChangeRule:
    """Published change thresholds for an instrument (raw score points)."""

    reliable_change: int
    caseness: int
    source: str


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    version: str
    items: tuple[Item, ...]
    rater: Rater
    recall: str
    source: str  # source keys from clinical-reference.md
    licence: str
    bands: tuple[Band, ...] = ()
    loinc_panel: str | None = None
    loinc_total: str | None = None
    change: ChangeRule | None = None
    intro: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    # --- answers ------------------------------------------------------------------

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.code == code:
                return item
        raise InstrumentError(f"{self.name} has no item {code!r}.", item=code)

    def visible_items(self, answers: Mapping[str, int]) -> tuple[Item, ...]:
        """Return the items a person is asked, given the answers so far (skip logic)."""
        return self.items

    def validate(self, answers: Mapping[str, object]) -> dict[str, int]:
        """Return clean answers or raise InstrumentError naming the first bad item."""
        known = {item.code for item in self.items}
        for code in answers:
            if code not in known:
                raise InstrumentError(f"{self.name} has no item {code!r}.", item=str(code))
        clean: dict[str, int] = {}
        visible = self.visible_items(
            {k: v for k, v in answers.items() if isinstance(v, int) and not isinstance(v, bool)}
        )
        visible_codes = {item.code for item in visible}
        for code in answers:
            if code not in visible_codes:
                raise InstrumentError(
                    f"{self.item(code).text!r} is not asked with the other answers given.",
                    item=code,
                )
        for item in visible:
            if item.code not in answers or answers[item.code] is None:
                if item.required:
                    raise InstrumentError(f"Answer item {item.code}: {item.text}", item=item.code)
                continue
            value = answers[item.code]
            if isinstance(value, bool) or not isinstance(value, int):
                raise InstrumentError(
                    f"Item {item.code} needs a whole number, not {value!r}.", item=item.code
                )
            allowed = [o.value for o in item.options]
            if value not in allowed:
                raise InstrumentError(
                    f"Item {item.code} must be one of {allowed}, not {value}.", item=item.code
                )
            clean[item.code] = value
        return clean

    # --- scoring ------------------------------------------------------------------

    @property
    def max_total(self) -> int:
        return sum(max(o.value for o in item.options) for item in self.items if item.scored)

    def band_for(self, total: int) -> str | None:
        for band in self.bands:
            if band.low <= total <= band.high:
                return band.label
        return None

    def flags_for(self, answers: Mapping[str, int], total: int) -> tuple[Flag, ...]:
        return ()

    def score(self, answers: Mapping[str, object]) -> Score:
        clean = self.validate(answers)
        total = sum(v for code, v in clean.items() if self.item(code).scored)
        return Score(
            instrument=self.code,
            version=self.version,
            answers=clean,
            total=total,
            band=self.band_for(total),
            flags=self.flags_for(clean, total),
        )


FREQUENCY_OPTIONS = (
    # [K84] LOINC answer list shared by GAD-7 and PHQ-9
    Option(0, "Not at all", "LA6568-5"),
    Option(1, "Several days", "LA6569-3"),
    Option(2, "More than half the days", "LA6570-1"),
    Option(3, "Nearly every day", "LA6571-9"),
)

SEVERITY_0_4 = (
    Option(0, "Not present"),
    Option(1, "Mild"),
    Option(2, "Moderate"),
    Option(3, "Severe"),
    Option(4, "Very severe"),
)

NONE_TO_SEVERE = (
    Option(0, "None"),
    Option(1, "Mild"),
    Option(2, "Moderate"),
    Option(3, "Severe"),
)

# LOINC Yes/No answers LA33-6 / LA32-8: widely used, not in clinical-reference.md;
# UNCONFIRMED there, so check on loinc.org before relying on them in an exchange.
YES_NO = (Option(0, "No", "LA32-8"), Option(1, "Yes", "LA33-6"))
