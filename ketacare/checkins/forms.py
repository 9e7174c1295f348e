"""Forms for check-ins: a patient's plan, a dose time, the clinic's defaults, the list's filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from ketacare.accounts.clinic_settings import (
    INTERVAL_DAYS,
    PLAN_PHASES,
    REMINDER_HOURS,
    RENEW_GRACE_HOURS,
    WINDOW_HOURS,
)
from ketacare.core import instruments
from ketacare.core.clinical_time import EARLIEST_YEAR
from ketacare.lib.forms import IsoDateTimeLocalInput

PATIENT_INSTRUMENTS = [
    (code, i.name) for code, i in instruments.REGISTRY.items() if i.rater == "patient"
]


INTERVAL_HELP = "0 turns the calendar check-ins off in this phase."


class MeasurementPlanForm(forms.Form):
    calendar_instruments = forms.MultipleChoiceField(
        choices=PATIENT_INSTRUMENTS,
        widget=forms.CheckboxSelectMultiple,
        label="Questionnaires on the calendar",
        error_messages={"required": "Choose at least one questionnaire."},
    )
    interval_induction = forms.IntegerField(
        min_value=INTERVAL_DAYS.low,
        max_value=INTERVAL_DAYS.high,
        label="Every … days in induction",
        help_text=INTERVAL_HELP,
    )
    interval_maintenance = forms.IntegerField(
        min_value=INTERVAL_DAYS.low,
        max_value=INTERVAL_DAYS.high,
        label="Every … days in maintenance",
        help_text=INTERVAL_HELP,
    )
    interval_paused = forms.IntegerField(
        min_value=INTERVAL_DAYS.low,
        max_value=INTERVAL_DAYS.high,
        label="Every … days while paused",
        help_text=INTERVAL_HELP,
    )
    after_dose = forms.BooleanField(
        required=False, label="Check-ins 24 hours and 7 days after each dose"
    )

    def intervals(self) -> dict[str, int]:
        return {phase: self.cleaned_data[f"interval_{phase}"] for phase in PLAN_PHASES}


class DoseTimeForm(forms.Form):
    dosed_at = forms.DateTimeField(
        label="Dose given at",
        widget=IsoDateTimeLocalInput(),
        help_text="Schedules the 24-hour and 7-day check-ins. Dosing sessions will do this "
        "automatically once they are recorded in ketacare.",
    )

    def clean_dosed_at(self) -> Any:
        value = self.cleaned_data["dosed_at"]
        now = timezone.now()
        # Years first: comparing a year-1 or year-9999 time with an extreme offset to now
        # converts it to UTC, which overflows.
        if value.year <= EARLIEST_YEAR:
            raise forms.ValidationError(f"This is before {EARLIEST_YEAR + 1}; check the year.")
        if value.year > now.year + 1 or value > now + dt.timedelta(days=60):
            raise forms.ValidationError("More than 60 days ahead; check the date.")
        return value


class ClinicCheckinSettingsForm(forms.Form):
    window_hours = forms.IntegerField(
        min_value=WINDOW_HOURS.low,
        max_value=WINDOW_HOURS.high,
        label="A check-in stays open for … hours",
        help_text="After this it counts as missed and appears on the coordinator's list.",
    )
    reminder_hours = forms.IntegerField(
        min_value=REMINDER_HOURS.low,
        max_value=REMINDER_HOURS.high,
        label="Send one reminder after … hours",
    )
    renew_grace_hours = forms.IntegerField(
        min_value=RENEW_GRACE_HOURS.low,
        max_value=RENEW_GRACE_HOURS.high,
        label="A new link may keep a check-in open up to … hours past its window",
        help_text=(
            "Answers given later no longer describe the time point (e.g. 24 hours after a "
            "dose): the patient is sent a fresh check-in instead, filed under the day they answer."
        ),
    )
    interval_induction = forms.IntegerField(
        min_value=INTERVAL_DAYS.low,
        max_value=INTERVAL_DAYS.high,
        label="Calendar check-in every … days in induction",
        help_text="0 turns calendar check-ins off.",
    )
    interval_maintenance = forms.IntegerField(
        min_value=INTERVAL_DAYS.low, max_value=INTERVAL_DAYS.high, label="… in maintenance"
    )
    interval_paused = forms.IntegerField(
        min_value=INTERVAL_DAYS.low, max_value=INTERVAL_DAYS.high, label="… while paused"
    )

    def intervals(self) -> dict[str, int]:
        return {phase: self.cleaned_data[f"interval_{phase}"] for phase in PLAN_PHASES}


class WorklistFilterForm(forms.Form):
    """What the coordinator's list shows: recent check-ins of followed patients, unless asked."""

    PERIODS = [("30", "Last 30 days"), ("90", "Last 90 days"), ("365", "Last year"), ("all", "All")]
    DEFAULT_DAYS = 30

    days = forms.ChoiceField(choices=PERIODS, required=False, label="Due in")
    discharged = forms.BooleanField(required=False, label="Include discharged patients")

    def chosen(self) -> tuple[int | None, bool]:
        """(days back, or None for all; whether discharged patients are shown). A value
        that is not one of the choices is shown as an error and the default is used."""
        if not self.is_bound or not self.is_valid():
            discharged = self.is_bound and self.data.get("discharged") in ("1", "on", "true")
            return self.DEFAULT_DAYS, bool(discharged)
        raw = self.cleaned_data["days"] or str(self.DEFAULT_DAYS)
        return (None if raw == "all" else int(raw)), self.cleaned_data["discharged"]
