from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from ketacare.accounts.access import (
    StaffRequest,
    patient_for_staff,
    patient_read_by_staff,
    patients_for_staff,
    patients_read_by_staff,
    permission_required,
    staff_required,
)
from ketacare.accounts.permissions import Action, require_move_to
from ketacare.audit.models import AccessAction
from ketacare.core.phases import Phase
from ketacare.lib.forms import add_errors
from ketacare.patients import selectors, services, triage
from ketacare.patients.audit_forms import TrailFilterForm
from ketacare.patients.export import patient_export as patient_export_data
from ketacare.patients.export import patient_fhir_bundle
from ketacare.patients.forms import CareTeamAddForm, PatientFilterForm, PatientForm, PhaseChangeForm
from ketacare.patients.models import CareTeamMember
from ketacare.patients.trail import patient_audit_trail

PAGE_SIZE = 25


SORT_COOKIE = "patients_sort"


def _list_sort_default(request: StaffRequest) -> str:
    """Who needs attention comes first for every care-team role, so an urgent alert is the
    first thing a clinician sees; a sort the user chose is remembered (a cookie naming the
    sort, nothing about patients, and no session write on each page)."""
    remembered = request.COOKIES.get(SORT_COOKIE, "")
    return remembered if remembered in PatientFilterForm.SORT_VALUES else "attention"


@require_safe
@permission_required(Action.CHART_READ)
def patient_list(request: StaffRequest) -> HttpResponse:
    clinic = request.membership.clinic
    default_sort = _list_sort_default(request)
    data = request.GET.copy()
    data.setdefault("sort", default_sort)
    form = PatientFilterForm(data, clinic=clinic)
    filters = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    sort = filters.get("sort") or default_sort
    visible = patients_for_staff(request.user, clinic_id=clinic.pk)
    if sort == "attention":
        visible = triage.with_triage(visible, now=now)
    patients = selectors.patient_list(
        visible,
        q=filters.get("q") or "",
        phase=filters.get("phase") or "",
        team_member=filters.get("team_member"),
        sort=sort,
    )
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = patients_read_by_staff(request, page.object_list)
    triage.annotate_rows(list(page), now=now)
    scores = triage.latest_scores([p.pk for p in page])
    for p in page:
        p.latest_scores = scores.get(p.pk, [])  # type: ignore[attr-defined]
        p.attention_label = triage.TIER_LABELS[p.attention]  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "today": timezone.localdate(),
        "now": now,
    }
    template = "patients/_table.html" if request.htmx else "patients/list.html"  # type: ignore[attr-defined]
    response = render(request, template, context)
    if sort != default_sort:
        response.set_cookie(
            SORT_COOKIE,
            sort,
            max_age=365 * 24 * 3600,
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
    return response


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


@require_safe
@permission_required(Action.CHART_READ)
def patient_detail(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_read_by_staff(request, patient_id, action=AccessAction.VIEW_CHART)
    context = {
        "patient": patient,
        "care_team": selectors.care_team_current(patient),
        "open_alerts": selectors.open_alerts(patient),
        "timeline": selectors.patient_timeline(patient),
        "phase_form": PhaseChangeForm(current=patient.phase, member=request.membership),
        "team_form": CareTeamAddForm(clinic=patient.clinic),
        "today": timezone.localdate(),
    }
    return render(request, "patients/detail.html", context)


@permission_required(Action.PATIENT_EDIT)
def patient_edit(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_read_by_staff(request, patient_id)
    form = PatientForm(request.POST or None, instance=patient, clinic=patient.clinic)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason", "")
        # Re-read the stored values: the ModelForm wrote the new ones onto `patient`.
        stored = patient_for_staff(request.user, patient_id)
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
    patient = patient_for_staff(request.user, patient_id)
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
    patient = patient_for_staff(request.user, patient_id)
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
    patient = patient_for_staff(request.user, patient_id)
    assignment = get_object_or_404(CareTeamMember, pk=assignment_id, patient=patient)
    services.care_team_end(assignment=assignment, by=request.user)
    messages.success(request, f"{assignment.staff_member.user.full_name} left the care team.")
    return redirect("patients:detail", patient_id=patient.pk)


@require_safe
@permission_required(Action.AUDIT_VIEW)
def patient_audit(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_read_by_staff(request, patient_id, action=AccessAction.VIEW_AUDIT)
    form = TrailFilterForm(request.GET or None)
    trail = patient_audit_trail(patient, form.trail_filter())
    page = Paginator(trail.entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    unfold = query.copy()
    unfold["reads"] = "on"
    context = {
        "patient": patient,
        "page": page,
        "form": form,
        "trail": trail,
        "query": query.urlencode(),
        "unfold_query": unfold.urlencode(),
    }
    return render(request, "patients/audit.html", context)


@require_safe
@permission_required(Action.EXPORT)
def patient_export(request: StaffRequest, patient_id: int) -> HttpResponse:
    """The whole record as JSON, or with ?format=fhir as a FHIR R4 Bundle; logged."""
    patient = patient_read_by_staff(request, patient_id, action=AccessAction.EXPORT)
    if request.GET.get("format") == "fhir":
        body, kind, name = patient_fhir_bundle(patient), "application/fhir+json", "fhir.json"
    else:
        body, kind, name = patient_export_data(patient), "application/json", "json"
    response = HttpResponse(json.dumps(body, indent=2), content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.mrn}.{name}"'
    return response


@require_POST
@permission_required(Action.PORTAL_INVITE)
def patient_portal_invite(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_staff(request.user, patient_id)
    try:
        services.patient_portal_invite(patient=patient, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"A portal sign-in link was emailed to {patient.email}.")
    return redirect("patients:detail", patient_id=patient.pk)
