"""Clinic settings pages beyond the basics: the crisis help shown to patients."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from ketacare.accounts import services
from ketacare.accounts.access import StaffRequest, permission_required
from ketacare.accounts.forms import ClinicCrisisLinesForm
from ketacare.accounts.models import CRISIS_FIELDS
from ketacare.accounts.permissions import Action
from ketacare.lib.forms import add_errors


@permission_required(Action.CLINIC_SETTINGS)
def clinic_crisis_lines(request: StaffRequest) -> HttpResponse:
    clinic = request.membership.clinic
    initial = {name: getattr(clinic, name) for name in CRISIS_FIELDS}
    form = ClinicCrisisLinesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.clinic_crisis_lines_update(clinic=clinic, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            clinic.refresh_from_db()
            add_errors(form, exc)
        else:
            messages.success(request, "Crisis lines saved. Patients see them on every page.")
            return redirect("accounts:clinic_settings")
    return render(request, "accounts/clinic_crisis_lines.html", {"form": form, "clinic": clinic})
