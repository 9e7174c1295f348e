from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from ketacare.lib.phones import is_e164, phone_display
from ketacare.patients.models import Patient

register = template.Library()


@register.filter
def age(patient: Patient, today: dt.date) -> int:
    return patient.age_on(today)


@register.inclusion_tag("patients/_phone.html")
def phone(value: str) -> dict[str, object]:
    """A stored number, readable; one that could not be read (kept as typed) is marked."""
    return {"value": value, "shown": phone_display(value), "readable": is_e164(value)}


@register.filter
def split_words(value: str) -> list[str]:
    return value.split()


@register.filter
def score_for(scores: list[Any], code: str) -> Any:
    """The triage row's latest score on one instrument (None if it has none)."""
    return next((s for s in scores if s.code == code), None)


@register.filter
def subtract(value: int, other: int) -> int:
    return value - other
