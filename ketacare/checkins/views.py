"""Staff pages for check-ins: send now, a patient's plan, post-dose check-ins, the
coordinator's list, re-send, and the clinic's check-in defaults."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from ketacare.accounts.access import StaffRequest, permission_required
from ketacare.accounts.clinic_settings import ClinicalSettings
from ketacare.accounts.permissions import Action
from ketacare.checkins import selectors, services, worker
from ketacare.checkins.forms import (
    ClinicCheckinSettingsForm,
    DoseTimeForm,
    WorklistFilterForm,
)
from ketacare.checkins.models import Channel, CheckIn, CheckInStatus
from ketacare.checkins.sections import plan_form
from ketacare.lib.forms import add_errors
from ketacare.patients.access import (
    patient_for_staff,
    patient_read_by_staff,
    patients_for_staff,
    patients_read_by_staff,
)


@permission_required(Action.PLAN_EDIT)
def measurement_plan(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_read_by_staff(request, patient_id)
    form = plan_form(patient, request.POST or None)
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
    return render(request, "checkins/plan_form.html", {"patient": patient, "form": form})


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
    return render(request, "checkins/worklist.html", {"groups": groups, "form": form})


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
    return render(request, "checkins/clinic_settings.html", {"form": form})
