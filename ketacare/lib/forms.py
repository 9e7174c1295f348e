from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class IsoDateInput(forms.DateInput):
    """<input type="date">: browsers read and send only ISO dates (1998-09-09)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class IsoDateTimeLocalInput(forms.DateTimeInput):
    """<input type="datetime-local">: browsers read and send only 1998-09-09T14:30.

    Values are shown in the current time zone (the clinic's, set per request), which is
    how the form reads them back."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError beside the fields it names (else at the top)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)
