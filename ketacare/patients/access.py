"""Whose records a person may reach: every rule that names a patient, in one place.

Views and API endpoints never query patients directly; they call these functions, and
the reads they return are logged here. (Who is staff and what their roles allow is in
`ketacare/accounts/access.py`, one layer down.)

- Staff see patients of the clinics where they hold an active membership.
- A patient (portal user) sees only their own record, and no staff page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from ketacare.accounts.access import StaffRequest, active_memberships
from ketacare.accounts.clinic_time import clinic_time_activate
from ketacare.accounts.models import StaffMember, User
from ketacare.audit.models import AccessAction
from ketacare.audit.services import access_record
from ketacare.patients.models import Patient, PatientQuerySet

F = TypeVar("F", bound=Callable[..., HttpResponse])


class PatientRequest(HttpRequest):
    user: User
    patient: Patient


def patient_required(view: F) -> F:
    """Let through a signed-in patient; set request.patient to their own record."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url="portal:login")
        patient = patient_for_portal_user(request.user)
        request.patient = patient  # type: ignore[attr-defined]
        clinic_time_activate(patient.clinic)
        return view(request, *args, **kwargs)

    return cast(F, wrapper)


def patients_for_staff(user: User, *, clinic_id: int | None = None) -> PatientQuerySet:
    """Return the patients a staff user may see, optionally narrowed to one clinic."""
    clinic_ids = [m.clinic_id for m in active_memberships(user)]
    if clinic_id is not None:
        clinic_ids = [c for c in clinic_ids if c == clinic_id]
    return Patient.objects.filter(clinic_id__in=clinic_ids)


def patient_for_staff(member: StaffMember, patient_id: int) -> Patient:
    """Return one patient of the clinic this membership acts in, or 404.

    The clinic is the member's, not any clinic the person works at: a role is held in one
    clinic, and what it allows is checked against that membership, so the patient must be
    that clinic's too (a prescriber in one clinic is no prescriber for another's patients).
    An outsider learns nothing: another clinic's patient is "no such patient".
    """
    if member.user.is_patient_user:
        raise PermissionDenied("This page is for clinic staff.")
    patient = (
        patients_for_staff(member.user, clinic_id=member.clinic_id)
        .select_related("clinic")
        .filter(pk=patient_id)
        .first()
    )
    if patient is None:
        raise Http404("No such patient.")
    return patient


def patient_read_by_staff(
    request: StaffRequest, patient_id: int, *, action: str = AccessAction.VIEW_PAGE
) -> Patient:
    """Return a patient for a staff page that shows their data, and log the read."""
    patient = patient_for_staff(request.membership, patient_id)
    access_record(actor=request.user, patients=[patient], action=action, request=request)
    return patient


def patients_read_by_staff(
    request: HttpRequest, patients: Iterable[Patient], *, action: str = AccessAction.VIEW_LIST
) -> list[Patient]:
    """Log one page that shows several patients (a list, a search, a worklist, an admin
    list): one row naming each patient shown. The patients were chosen through
    `patients_for_staff`; this only records what the page showed."""
    shown = list(patients)
    actor = request.user if request.user.is_authenticated else None
    access_record(actor=actor, patients=shown, action=action, request=request)
    return shown


def patient_for_member(
    member: StaffMember,
    patient_id: int,
    *,
    request: HttpRequest | None = None,
    action: str = AccessAction.API_READ,
) -> Patient:
    """Return a patient of this membership's clinic only (an API token acts for one clinic,
    even if its owner works at several), or 404. With `request`, log the read as `action`
    (a write that answers with the record is a read too)."""
    patient = patient_for_staff(member, patient_id)
    if request is not None:
        access_record(actor=member.user, patients=[patient], action=action, request=request)
    return patient


def patient_read_by_link(request: HttpRequest, patient: Patient, token: str) -> None:
    """Log a secure-link page that shows a patient's check-in (and draft answers).

    Nobody is signed in: the actor is whoever holds the link. The token is a credential,
    so the logged path carries only its first characters."""
    path = request.get_full_path().replace(token, f"{token[:6]}…")
    access_record(
        actor=None, patients=[patient], action=AccessAction.LINK_VIEW, request=request, path=path
    )


def patient_read_by_self(request: PatientRequest) -> None:
    """Log a portal page that shows the signed-in patient their own record."""
    access_record(
        actor=request.user,
        patients=[request.patient],
        action=AccessAction.PORTAL_VIEW,
        request=request,
    )


def patient_for_portal_user(user: User) -> Patient:
    if not user.is_active:
        raise PermissionDenied("This account is disabled.")
    patient = Patient.objects.select_related("clinic").filter(portal_user=user).first()
    if patient is None:
        raise PermissionDenied("This page is for patients.")
    return patient
