from __future__ import annotations

import datetime as dt

from django import template

from ketacare.patients.models import Patient

register = template.Library()


@register.filter
def age(patient: Patient, today: dt.date) -> int:
    return patient.age_on(today)
