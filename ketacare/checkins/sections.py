"""What check-ins add to the scores page (`measures.views.scores`), handed in through
`measures.hooks.on_scores_page` because measures sits below check-ins."""

from __future__ import annotations

from typing import Any

from ketacare.accounts.clinic_settings import PLAN_PHASES
from ketacare.checkins import worker
from ketacare.checkins.forms import DoseTimeForm, MeasurementPlanForm
from ketacare.checkins.models import CheckIn, MeasurementPlan
from ketacare.core.phases import Phase
from ketacare.measures.hooks import PageSection
from ketacare.patients.models import Patient


def plan_form(patient: Patient, data: Any = None) -> MeasurementPlanForm:
    plan = MeasurementPlan.objects.filter(patient=patient).first()
    initial: dict[str, Any] = {
        "calendar_instruments": worker.calendar_instruments(plan),
        "after_dose": plan.after_dose if plan else True,
    }
    for phase in PLAN_PHASES:
        initial[f"interval_{phase}"] = worker.interval_days(patient, Phase(phase), plan) or 0
    return MeasurementPlanForm(data, initial=initial)


def scores_page_sections(*, patient: Patient) -> list[PageSection]:
    """ "Send now", the plan in force with the post-dose form, and the delivery record."""
    checkins = CheckIn.objects.filter(patient=patient).prefetch_related("events")[:20]
    return [
        PageSection("request", "checkins/_scores_send_now.html"),
        PageSection(
            "side",
            "checkins/_scores_plan.html",
            {"plan_form": plan_form(patient), "dose_form": DoseTimeForm()},
        ),
        PageSection("bottom", "checkins/_scores_delivery.html", {"checkins": checkins}),
    ]
