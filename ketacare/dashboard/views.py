"""Staff pages that read across apps: patient list (triage), chart, audit trail, export.

Their URLs stay in the `patients` namespace (ketacare/urls.py joins both lists), so every
link and reverse() keeps working.
"""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ketacare.accounts.access import StaffRequest, permission_required
from ketacare.accounts.permissions import Action
from ketacare.alerts import selectors as alert_selectors
from ketacare.audit.models import AccessAction
from ketacare.dashboard import selectors as dashboard_selectors
from ketacare.dashboard import triage
from ketacare.dashboard.export import patient_export as patient_export_data
from ketacare.dashboard.export import patient_fhir_bundle
from ketacare.dashboard.forms import TrailFilterForm
from ketacare.dashboard.trail import patient_audit_trail
from ketacare.patients import selectors
from ketacare.patients.access import (
    patient_read_by_staff,
    patients_for_staff,
    patients_read_by_staff,
)
from ketacare.patients.forms import CareTeamAddForm, PatientFilterForm, PhaseChangeForm

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
    template = "dashboard/_table.html" if request.htmx else "dashboard/list.html"  # type: ignore[attr-defined]
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


@require_safe
@permission_required(Action.CHART_READ)
def patient_detail(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_read_by_staff(request, patient_id, action=AccessAction.VIEW_CHART)
    context = {
        "patient": patient,
        "care_team": selectors.care_team_current(patient),
        "open_alerts": alert_selectors.open_alerts(patient),
        "timeline": dashboard_selectors.patient_timeline(patient),
        "phase_form": PhaseChangeForm(current=patient.phase, member=request.membership),
        "team_form": CareTeamAddForm(clinic=patient.clinic),
        "today": timezone.localdate(),
    }
    return render(request, "dashboard/detail.html", context)


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
    return render(request, "dashboard/audit.html", context)


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
