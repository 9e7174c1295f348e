"""Staff pages for scores, questionnaire entry and check-ins."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from ketacare.accounts.access import StaffRequest, permission_required
from ketacare.accounts.clinic_settings import PLAN_PHASES, ClinicalSettings
from ketacare.accounts.permissions import Action
from ketacare.audit.models import AccessAction
from ketacare.core import instruments
from ketacare.core.instruments.base import InstrumentError
from ketacare.core.phases import Phase
from ketacare.lib.forms import add_errors
from ketacare.measures import charts, selectors, services, worker
from ketacare.measures.forms import (
    AmendForm,
    ClinicCheckinSettingsForm,
    DoseTimeForm,
    MeasurementPlanForm,
    QuestionnaireForm,
    WorklistFilterForm,
)
from ketacare.measures.models import (
    Channel,
    CheckIn,
    CheckInStatus,
    MeasurementPlan,
    Response,
    Source,
)
from ketacare.patients.access import (
    patient_for_staff,
    patient_read_by_staff,
    patients_for_staff,
    patients_read_by_staff,
)
from ketacare.patients.models import Patient


def _mark_unanswered(form: QuestionnaireForm, answers: dict[str, int]) -> bool:
    """Mark every question still to answer (given the skip logic); return whether any were."""
    missing = [
        item.code
        for item in form.instrument.visible_items(answers)
        if item.required and item.code not in answers
    ]
    for code in missing:
        form.add_error(f"item_{code}", "Please answer this question.")
    return bool(missing)


def _all_errors_marked(form: QuestionnaireForm, instrument: str) -> bool:
    """Validate the form and mark unanswered questions; return whether all is well."""
    valid = form.is_valid()
    if not form.is_bound:  # an empty POST: nothing to mark
        return False
    missing = _mark_unanswered(form, services.visible_answers(instrument, form.answers()))
    return valid and not missing


def _apply_errors(form: QuestionnaireForm, exc: ValidationError) -> None:
    for key, errs in exc.message_dict.items():
        item = key.split(".", 1)[1] if "." in key else None
        field = f"item_{item}" if item and f"item_{item}" in form.fields else None
        for message in errs:
            form.add_error(field, message)


@require_safe
@permission_required(Action.CHART_READ)
def scores(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_read_by_staff(request, patient_id, action=AccessAction.VIEW_CHART)
    rows = selectors.trajectory(patient)
    context = {
        "patient": patient,
        "rows": rows,
        "spec": json.dumps(charts.trajectory_spec(rows)),
        "scores": selectors.score_rows(patient),
        "references": selectors.reference_summaries(patient),
        "checkins": CheckIn.objects.filter(patient=patient).prefetch_related("events")[:20],
        "instruments": instruments.REGISTRY.values(),
        # From the rules the comparison uses, so the explanation cannot drift from them.
        "reliable_changes": [
            (i.name, i.change.reliable_change) for i in instruments.REGISTRY.values() if i.change
        ],
        "plan_form": _plan_form(patient),
        "dose_form": DoseTimeForm(),
    }
    return render(request, "measures/scores.html", context)


def _plan_form(patient: Patient, data: Any = None) -> MeasurementPlanForm:
    plan = MeasurementPlan.objects.filter(patient=patient).first()
    initial: dict[str, Any] = {
        "calendar_instruments": worker.calendar_instruments(plan),
        "after_dose": plan.after_dose if plan else True,
    }
    for phase in PLAN_PHASES:
        initial[f"interval_{phase}"] = worker.interval_days(patient, Phase(phase), plan) or 0
    return MeasurementPlanForm(data, initial=initial)


@permission_required(Action.PLAN_EDIT)
def measurement_plan(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_read_by_staff(request, patient_id)
    form = _plan_form(patient, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.measurement_plan_save(
                patient=patient,
                by=request.user,
                after_dose=form.cleaned_data["after_dose"],
                calendar_instruments=form.cleaned_data["calendar_instruments"],
                interval_days=form.intervals(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Check-in plan saved.")
            return redirect("measures:scores", patient_id=patient.pk)
    return render(request, "measures/plan_form.html", {"patient": patient, "form": form})


@require_POST
@permission_required(Action.DOSE_FOLLOW_UP)
def dose_checkins(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_staff(request.membership, patient_id)
    form = DoseTimeForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, f"No check-ins were scheduled: {errors}")
        return redirect("measures:scores", patient_id=patient.pk)
    try:
        made = worker.schedule_after_dose(patient=patient, dosed_at=form.cleaned_data["dosed_at"])
    except ValidationError as exc:
        messages.error(request, "No check-ins were scheduled: " + " ".join(exc.messages))
        return redirect("measures:scores", patient_id=patient.pk)
    scheduled = [c for c in made if c.status == CheckInStatus.SCHEDULED]
    not_sent = [c for c in made if c.status == CheckInStatus.CANCELLED]
    if scheduled:
        s = "" if len(scheduled) == 1 else "s"
        messages.success(request, f"Scheduled {len(scheduled)} check-in{s} after the dose.")
    if not_sent:
        names = " and ".join(c.get_context_display().lower() for c in not_sent)
        messages.warning(
            request,
            f"The check-in {names} was not sent: its window had already closed at the dose "
            "time given. The reason is kept in its delivery record.",
        )
    if not made:
        messages.info(
            request,
            "Nothing new to schedule (already scheduled, or turned off in the patient's plan).",
        )
    return redirect("measures:scores", patient_id=patient.pk)


@permission_required(Action.QUESTIONNAIRE_ENTER)
def response_new(request: StaffRequest, patient_id: int, instrument: str) -> HttpResponse:
    patient = patient_read_by_staff(request, patient_id)
    try:
        definition = instruments.get(instrument)
    except InstrumentError as exc:
        raise Http404 from exc
    form = QuestionnaireForm(request.POST or None, instrument=definition, born=patient.birth_date)
    # Every problem at once: the unanswered questions are marked even when the date is
    # wrong too, so nobody fixes one and then meets the next.
    if request.method == "POST" and _all_errors_marked(form, instrument):
        answers = services.visible_answers(instrument, form.answers())
        try:
            _, alerts = services.response_record(
                patient=patient,
                instrument=instrument,
                answers=answers,
                context=form.cleaned_data["context"],
                source=Source.STAFF,
                collected_at=form.cleaned_data["collected_at"],
                by=request.user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            for alert in alerts:
                messages.warning(request, f"Alert raised: {alert.title}")
            messages.success(request, f"{definition.name} saved.")
            return redirect("measures:scores", patient_id=patient.pk)
    context = {"patient": patient, "form": form, "definition": definition}
    return render(request, "measures/response_form.html", context)


@permission_required(Action.QUESTIONNAIRE_AMEND)
def response_amend(request: StaffRequest, patient_id: int, response_id: int) -> HttpResponse:
    patient = patient_read_by_staff(request, patient_id)
    response = Response.objects.filter(pk=response_id, patient=patient).first()
    if response is None:
        raise Http404
    definition = response.instrument_def
    initial = {f"item_{k}": v for k, v in response.answers.items()}
    initial.update(
        context=response.context,
        collected_at=timezone.localtime(response.collected_at).strftime("%Y-%m-%dT%H:%M"),
    )
    form = QuestionnaireForm(
        request.POST or None, instrument=definition, initial=initial, born=patient.birth_date
    )
    amend = AmendForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and amend.is_valid()
        and not _mark_unanswered(
            form, services.visible_answers(response.instrument, form.answers())
        )
    ):
        try:
            services.response_amend(
                response=response,
                by=request.user,
                reason=amend.cleaned_data["reason"],
                answers=services.visible_answers(response.instrument, form.answers()),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{definition.name} corrected; the original is kept.")
            return redirect("measures:scores", patient_id=patient.pk)
    context = {
        "patient": patient,
        "form": form,
        "amend": amend,
        "definition": definition,
        "response": response,
    }
    return render(request, "measures/response_form.html", context)


@require_POST
@permission_required(Action.CHECKIN_SEND)
def checkin_send_now(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_staff(request.membership, patient_id)
    try:
        checkin = services.checkin_ad_hoc_send(
            patient=patient,
            instruments_=["gad7", "phq9"],
            now=timezone.now(),
            detail=f"sent again by {request.user.full_name}",
        )
    except ValidationError as exc:
        messages.error(request, "No check-in was sent: " + " ".join(exc.messages))
    else:
        channel = Channel(checkin.channel).label.lower()
        messages.success(request, f"Check-in on its way ({channel}).")
    return redirect("measures:scores", patient_id=patient.pk)


@require_safe
@permission_required(Action.CHART_READ)
def checkin_worklist(request: StaffRequest) -> HttpResponse:
    """The coordinator's list: check-ins that need a person, grouped by patient.

    Starts with the last 30 days and patients still followed; the filters show older ones
    and discharged patients. Every patient on the page is logged as read.
    """
    form = WorklistFilterForm(request.GET or None)
    days, discharged = form.chosen()
    clinic_patients = patients_for_staff(request.user, clinic_id=request.membership.clinic_id)
    groups = selectors.worklist_groups(
        clinic_patients, now=timezone.now(), days=days, include_discharged=discharged
    )
    patients_read_by_staff(request, [g.patient for g in groups])
    return render(request, "measures/worklist.html", {"groups": groups, "form": form})


@require_POST
@permission_required(Action.CHECKIN_SEND)
def checkin_resend(request: StaffRequest, checkin_id: int) -> HttpResponse:
    checkin = (
        CheckIn.objects.filter(
            pk=checkin_id,
            patient__in=patients_for_staff(request.user, clinic_id=request.membership.clinic_id),
        )
        .select_related("patient")
        .first()
    )
    if checkin is None:
        raise Http404
    try:
        sent_for = services.checkin_resend(
            checkin=checkin, now=timezone.now(), detail=f"re-sent by {request.user.full_name}"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        name = checkin.patient.display_name
        if sent_for.pk == checkin.pk:
            messages.success(request, f"A new link is on its way to {name}.")
        else:
            messages.success(
                request,
                f"That check-in's time point has passed, so a new ad-hoc check-in is on its "
                f"way to {name}; the missed one stays missed.",
            )
    next_url = request.POST.get("next", "")
    # Only a path on this site: redirect() would try any other word as a URL name (a 500).
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}
    ):
        next_url = ""
    return redirect(next_url or "measures:worklist")


@permission_required(Action.CLINIC_SETTINGS)
def clinic_checkin_settings(request: StaffRequest) -> HttpResponse:
    clinic = request.membership.clinic
    current = ClinicalSettings.of(clinic)
    initial = {
        "window_hours": current.checkin_window_hours,
        "reminder_hours": current.checkin_reminder_hours,
        "renew_grace_hours": current.checkin_renew_grace_hours,
        **{f"interval_{p}": days for p, days in current.checkin_interval_days.items()},
    }
    form = ClinicCheckinSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.clinic_checkin_settings_save(
                clinic=clinic,
                by=request.user,
                window_hours=form.cleaned_data["window_hours"],
                reminder_hours=form.cleaned_data["reminder_hours"],
                renew_grace_hours=form.cleaned_data["renew_grace_hours"],
                interval_days=form.intervals(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Check-in defaults saved. Patients' own plans still apply.")
            return redirect("measures:clinic_settings")
    return render(request, "measures/clinic_settings.html", {"form": form})
