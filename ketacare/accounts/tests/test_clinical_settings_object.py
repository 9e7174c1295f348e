"""The one typed object for a clinic's clinical settings: defaults, stored values, limits."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ketacare.accounts.clinic_settings import ClinicalSettings
from ketacare.core.phases import Phase


def test_an_empty_clinic_gets_our_defaults():
    s = ClinicalSettings.from_json({})
    assert (s.checkin_window_hours, s.checkin_reminder_hours, s.checkin_renew_grace_hours) == (
        72,
        24,
        12,
    )
    assert s.interval_days(Phase.INDUCTION) == 7
    assert s.interval_days(Phase.MAINTENANCE) == 14
    assert s.interval_days(Phase.PAUSED) == 28
    assert s.interval_days(Phase.EVALUATION) is None


def test_stored_values_are_read_and_zero_turns_a_phase_off():
    s = ClinicalSettings.from_json(
        {"checkin_window_hours": 48, "checkin_interval_days": {"induction": 3, "paused": 0}}
    )
    assert s.checkin_window_hours == 48
    assert s.interval_days(Phase.INDUCTION) == 3
    assert s.interval_days(Phase.PAUSED) is None
    assert s.interval_days(Phase.MAINTENANCE) == 14


@pytest.mark.parametrize(
    "stored",
    [
        {"checkin_window_hours": "soon"},
        {"checkin_window_hours": 2},
        {"checkin_window_hours": True},
        {"checkin_window_hours": None},
        {"checkin_interval_days": {"induction": 900}},
        {"checkin_interval_days": "weekly"},
        "not a mapping",
    ],
)
def test_a_value_that_is_not_valid_falls_back_to_our_default_for_that_field(stored):
    s = ClinicalSettings.from_json(stored)
    assert s.checkin_window_hours == 72
    assert s.interval_days(Phase.INDUCTION) == 7


def test_round_trip_through_json():
    s = ClinicalSettings().replace(checkin_window_hours=96, checkin_interval_days={"induction": 5})
    assert ClinicalSettings.from_json(s.to_json()).checkin_window_hours == 96
    assert ClinicalSettings.from_json(s.to_json()).interval_days(Phase.INDUCTION) == 5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"checkin_window_hours": 11}, "window_hours"),
        ({"checkin_window_hours": 337}, "window_hours"),
        ({"checkin_reminder_hours": 72}, "reminder_hours"),
        ({"checkin_reminder_hours": 0}, "reminder_hours"),
        ({"checkin_renew_grace_hours": 73}, "renew_grace_hours"),
        ({"checkin_interval_days": {"induction": 91}}, "interval_induction"),
        ({"checkin_interval_days": {"evaluation": 7}}, "interval_days"),
    ],
)
def test_changes_out_of_bounds_are_refused_by_field(change, field):
    with pytest.raises(ValidationError) as caught:
        ClinicalSettings().replace(**change)
    assert field in caught.value.message_dict


def test_the_object_is_frozen():
    s = ClinicalSettings()
    with pytest.raises(AttributeError):
        s.checkin_window_hours = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.checkin_interval_days["induction"] = 1  # type: ignore[index]


def test_the_minimum_age_is_a_clinical_setting_with_our_default_and_its_limits():
    assert ClinicalSettings.from_json({}).minimum_age_years == 18
    assert ClinicalSettings.from_json({"minimum_age_years": 16}).minimum_age_years == 16
    for stored in (-1, 15, 200, "sixteen", True, None):
        assert ClinicalSettings.from_json({"minimum_age_years": stored}).minimum_age_years == 18
    assert ClinicalSettings().replace(minimum_age_years=21).to_json()["minimum_age_years"] == 21


@pytest.mark.parametrize("bad", [-1, 15, 100, 200, "text", True, None])
def test_a_minimum_age_out_of_bounds_is_refused_by_name(bad):
    with pytest.raises(ValidationError) as refused:
        ClinicalSettings().replace(minimum_age_years=bad)
    assert "minimum_age_years" in refused.value.message_dict
