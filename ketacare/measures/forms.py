from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from ketacare.core.instruments.base import Instrument
from ketacare.measures.models import Context


class QuestionnaireForm(forms.Form):
    """One radio group per item of an instrument, plus when and in what context."""

    context = forms.ChoiceField(choices=Context.choices, initial=Context.AD_HOC)
    collected_at = forms.DateTimeField(
        label="Collected at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="In the clinic's time zone.",
    )

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.fields["collected_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        for item in instrument.items:
            self.fields[f"item_{item.code}"] = forms.TypedChoiceField(
                label=f"{item.code}. {item.text}",
                choices=[(o.value, o.label) for o in item.options],
                coerce=int,
                widget=forms.RadioSelect,
                required=False,
            )

    def clean_collected_at(self) -> Any:
        value = self.cleaned_data["collected_at"]
        if value and value > timezone.now() + dt.timedelta(minutes=5):
            raise forms.ValidationError("This is in the future.")
        return value

    def answers(self) -> dict[str, int]:
        return {
            name.removeprefix("item_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("item_") and value not in (None, "")
        }

    def item_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("item_")]


class AmendForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        help_text="Why the stored answers are wrong (kept in the audit trail).",
    )
