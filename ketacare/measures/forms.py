from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from ketacare.core.clinical_time import clinical_time_problem
from ketacare.core.instruments.base import Instrument
from ketacare.lib.forms import IsoDateTimeLocalInput
from ketacare.measures.models import Context


class QuestionnaireForm(forms.Form):
    """One radio group per item of an instrument, plus when and in what context."""

    context = forms.ChoiceField(choices=Context.choices, initial=Context.AD_HOC)
    collected_at = forms.DateTimeField(
        label="Collected at",
        widget=IsoDateTimeLocalInput(),
        help_text="In the clinic's time zone.",
    )

    def __init__(
        self, *args: Any, instrument: Instrument, born: dt.date | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.born = born
        self.fields["collected_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        always_asked = {i.code for i in instrument.visible_items({})}
        for number, item in enumerate(instrument.items, start=1):
            conditional = item.code not in always_asked
            # Numbered by position as on the paper form; item codes are for storage only.
            self.fields[f"item_{item.code}"] = forms.TypedChoiceField(
                label=f"{number}. {item.text}",
                help_text="Asked only when an earlier answer is Yes." if conditional else "",
                choices=[(o.value, o.label) for o in item.options],
                coerce=int,
                widget=forms.RadioSelect,
                required=False,
            )

    def clean_collected_at(self) -> Any:
        """The same rule as the JSON API and FHIR, with the same words beside the field."""
        value = self.cleaned_data["collected_at"]
        problem = clinical_time_problem(value, now=timezone.now(), born=self.born)
        if problem:
            raise forms.ValidationError(problem)
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
