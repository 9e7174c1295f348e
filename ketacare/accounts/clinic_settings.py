"""A clinic's clinical settings: one typed object, with our defaults and the limits in one place.

Stored as JSON in `Clinic.clinical_settings` (a clinic changes them on its settings page, with
history). Every reader goes through `ClinicalSettings.of(clinic)`; nothing else reads the
JSON. A stored value that is missing or no longer valid (say, written by hand) falls back to
our default for that one field rather than breaking check-ins for the whole clinic.

The defaults are ours, not from a guideline: a check-in stays open 72 hours, one reminder
after 24 hours, a renewed link may keep it open 12 hours past its window; calendar check-ins
weekly in induction, every two weeks in maintenance, monthly while paused so no one is lost.

The minimum age at registration is a clinic policy too: ketacare is built for adult programmes
(ketamine for anxiety is studied and licensed in adults), so our default is 18, not a guideline
figure; a clinic may set its own within MINIMUM_AGE_YEARS.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from django.core.exceptions import ValidationError

from ketacare.core.phases import Phase

# Phases with calendar check-ins, in the order pages show them.
PLAN_PHASES: tuple[str, ...] = (Phase.INDUCTION.value, Phase.MAINTENANCE.value, Phase.PAUSED.value)


@dataclass(frozen=True)
class Limit:
    low: int
    high: int
    message: str

    def holds(self, value: int) -> bool:
        return self.low <= value <= self.high


# The one place for what a clinic may set. Forms take their min/max from here too.
WINDOW_HOURS = Limit(12, 336, "Between 12 hours and 14 days.")
REMINDER_HOURS = Limit(1, 335, "At least 1 hour, and before the window closes.")
RENEW_GRACE_HOURS = Limit(0, 72, "Between 0 and 72 hours.")
INTERVAL_DAYS = Limit(0, 90, "Between 0 (off) and 90 days.")
# Clinic policy, ours (not a guideline figure): 16 lets a clinic that also treats older
# adolescents under its own protocol register them; nobody younger, and no age past 99,
# which could only be a typo that would refuse every patient.
MINIMUM_AGE_YEARS = Limit(16, 99, "Between 16 and 99 years.")

_DEFAULT_INTERVALS: Mapping[str, int] = MappingProxyType(
    {Phase.INDUCTION.value: 7, Phase.MAINTENANCE.value: 14, Phase.PAUSED.value: 28}
)


class _HasSettings(Protocol):
    clinical_settings: Any


@dataclass(frozen=True)
class ClinicalSettings:
    checkin_window_hours: int = 72
    checkin_reminder_hours: int = 24
    checkin_renew_grace_hours: int = 12
    # Days between calendar check-ins by phase value; 0 turns them off.
    checkin_interval_days: Mapping[str, int] = field(default_factory=lambda: _DEFAULT_INTERVALS)
    # Patients younger than this are not registered (Patient.clean: forms, API, FHIR import).
    minimum_age_years: int = 18

    def __post_init__(self) -> None:
        # Frozen all the way down: the intervals cannot be changed through the mapping either.
        object.__setattr__(
            self, "checkin_interval_days", MappingProxyType(dict(self.checkin_interval_days))
        )

    @classmethod
    def of(cls, clinic: _HasSettings) -> ClinicalSettings:
        return cls.from_json(clinic.clinical_settings)

    @classmethod
    def from_json(cls, data: object) -> ClinicalSettings:
        stored = data if isinstance(data, Mapping) else {}
        ours = cls()
        intervals = dict(ours.checkin_interval_days)
        custom = stored.get("checkin_interval_days")
        if isinstance(custom, Mapping):
            for phase in PLAN_PHASES:
                value = _whole(custom.get(phase))
                if value is not None and INTERVAL_DAYS.holds(value):
                    intervals[phase] = value
        return cls(
            checkin_window_hours=_field(stored, "checkin_window_hours", ours, WINDOW_HOURS),
            checkin_reminder_hours=_field(stored, "checkin_reminder_hours", ours, REMINDER_HOURS),
            checkin_renew_grace_hours=_field(
                stored, "checkin_renew_grace_hours", ours, RENEW_GRACE_HOURS
            ),
            checkin_interval_days=MappingProxyType(intervals),
            minimum_age_years=_field(stored, "minimum_age_years", ours, MINIMUM_AGE_YEARS),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "checkin_window_hours": self.checkin_window_hours,
            "checkin_reminder_hours": self.checkin_reminder_hours,
            "checkin_renew_grace_hours": self.checkin_renew_grace_hours,
            "checkin_interval_days": dict(self.checkin_interval_days),
            "minimum_age_years": self.minimum_age_years,
        }

    def replace(self, **changes: Any) -> ClinicalSettings:
        """A changed copy, checked: raises ValidationError naming each field out of bounds."""
        new = dataclasses.replace(self, **changes)
        new.validate()
        return new

    def validate(self) -> None:
        errors: dict[str, str] = {}
        if not WINDOW_HOURS.holds(self.checkin_window_hours):
            errors["window_hours"] = WINDOW_HOURS.message
        if not (
            REMINDER_HOURS.holds(self.checkin_reminder_hours)
            and self.checkin_reminder_hours < self.checkin_window_hours
        ):
            errors["reminder_hours"] = REMINDER_HOURS.message
        if not RENEW_GRACE_HOURS.holds(self.checkin_renew_grace_hours):
            errors["renew_grace_hours"] = RENEW_GRACE_HOURS.message
        if not _is_whole(self.minimum_age_years) or not MINIMUM_AGE_YEARS.holds(
            self.minimum_age_years
        ):
            errors["minimum_age_years"] = MINIMUM_AGE_YEARS.message
        if errors:
            raise ValidationError(errors)
        intervals_check(self.checkin_interval_days)

    def interval_days(self, phase: Phase) -> int | None:
        """Days between calendar check-ins in this phase; None when there are none."""
        return self.checkin_interval_days.get(phase.value) or None


def intervals_check(interval_days: Mapping[str, int]) -> None:
    """One rule for calendar intervals, for a clinic's defaults and a patient's own plan."""
    for phase, days in interval_days.items():
        if phase not in PLAN_PHASES:
            raise ValidationError({"interval_days": f"Unknown phase {phase!r}."})
        if not INTERVAL_DAYS.holds(int(days)):
            raise ValidationError({f"interval_{phase}": INTERVAL_DAYS.message})


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _field(stored: Mapping[str, object], key: str, ours: ClinicalSettings, limit: Limit) -> int:
    value = _whole(stored.get(key))
    default: int = getattr(ours, key)
    return value if value is not None and limit.holds(value) else default
