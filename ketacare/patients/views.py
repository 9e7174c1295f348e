from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ketacare.accounts.access import StaffRequest, permission_required, staff_required
from ketacare.accounts.permissions import Action, require_move_to
from ketacare.core.phases import Phase
from ketacare.lib.forms import add_errors
from ketacare.patients import services
from ketacare.patients.access import patient_for_staff, patient_read_by_staff
from ketacare.patients.forms import CareTeamAddForm, PatientForm, PhaseChangeForm
from ketacare.patients.models import CareTeamMember

PAGE_SIZE = 25


@permission_required(Action.PATIENT_REGISTER)
def patient_create(request: StaffRequest) -> HttpResponse:
    form = PatientForm(request.POST or None, clinic=request.membership.clinic, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_create(
                clinic=request.membership.clinic, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"{patient.display_name} was registered ({patient.mrn}).")
            return redirect("patients:detail", patient_id=patient.pk)
    return render(request, "patients/form.html", {"form": form, "title": "Register a patient"})


@permission_required(Action.PATIENT_EDIT)
def patient_edit(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_read_by_staff(request, patient_id)
    form = PatientForm(request.POST or None, instance=patient, clinic=patient.clinic)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason", "")
        # Re-read the stored values: the ModelForm wrote the new ones onto `patient`.
        stored = patient_for_staff(request.membership, patient_id)
        try:
            services.patient_update(patient=stored, by=request.user, reason=reason, **data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "The record was saved.")
            return redirect("patients:detail", patient_id=patient_id)
    context = {"form": form, "title": f"Edit {patient.display_name}", "patient": patient}
    return render(request, "patients/form.html", context)


# What a phase change did, as a sentence ("is now in discharged" is not one).
PHASE_NOW = {
    Phase.REFERRED: "{name} is now referred.",
    Phase.EVALUATION: "{name} is now in evaluation.",
    Phase.INDUCTION: "{name} is now in induction.",
    Phase.MAINTENANCE: "{name} is now in maintenance.",
    Phase.PAUSED: "{name}'s treatment is now paused.",
    Phase.DISCHARGED: "{name} has been discharged.",
}


@require_POST
@staff_required
def patient_phase_change(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_staff(request.membership, patient_id)
    require_move_to(request.membership, request.POST.get("to_phase", ""))
    form = PhaseChangeForm(request.POST, current=patient.phase, member=request.membership)
    if form.is_valid():
        try:
            services.patient_phase_change(patient=patient, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, PHASE_NOW[Phase(patient.phase)].format(name=patient.display_name)
            )
            return redirect("patients:detail", patient_id=patient.pk)
    errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    messages.error(request, f"The phase was not changed: {errors}")
    return redirect("patients:detail", patient_id=patient.pk)


@require_POST
@permission_required(Action.CARE_TEAM_MANAGE)
def care_team_add(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_staff(request.membership, patient_id)
    form = CareTeamAddForm(request.POST, clinic=patient.clinic)
    if form.is_valid():
        try:
            services.care_team_add(patient=patient, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Care team updated.")
            return redirect("patients:detail", patient_id=patient.pk)
    errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    messages.error(request, f"The care team was not changed: {errors}")
    return redirect("patients:detail", patient_id=patient.pk)


@require_POST
@permission_required(Action.CARE_TEAM_MANAGE)
def care_team_end(request: StaffRequest, patient_id: int, assignment_id: int) -> HttpResponse:
    patient = patient_for_staff(request.membership, patient_id)
    assignment = get_object_or_404(CareTeamMember, pk=assignment_id, patient=patient)
    services.care_team_end(assignment=assignment, by=request.user)
    messages.success(request, f"{assignment.staff_member.user.full_name} left the care team.")
    return redirect("patients:detail", patient_id=patient.pk)


@require_POST
@permission_required(Action.PORTAL_INVITE)
def patient_portal_invite(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_staff(request.membership, patient_id)
    try:
        services.patient_portal_invite(patient=patient, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"A portal sign-in link was emailed to {patient.email}.")
    return redirect("patients:detail", patient_id=patient.pk)
