"""The audit trail's filter: kind, person, dates, and whether to unfold the reads."""

from __future__ import annotations

from django import forms

from ketacare.dashboard.trail import KINDS, TrailFilter


class TrailFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="What", required=False, choices=[("", "All changes"), *KINDS.items()]
    )
    who = forms.CharField(label="Who", required=False, max_length=200)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reads = forms.BooleanField(label="Show reads", required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data

    def trail_filter(self) -> TrailFilter:
        """The filter to apply; an invalid form filters nothing (its errors are shown)."""
        if not self.is_bound or not self.is_valid():
            return TrailFilter()
        data = self.cleaned_data
        return TrailFilter(
            kinds=(data["kind"],) if data["kind"] else (),
            who=data["who"],
            since=data["since"],
            until=data["until"],
            show_reads=data["reads"],
        )
