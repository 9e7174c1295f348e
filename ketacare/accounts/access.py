"""Every access decision in ketacare, in one place.

Views and API endpoints never query patients or memberships directly; they call
these functions. Each rule is one condition on its own line so that tests can
cover every branch.

- Staff see patients of the clinics where they hold an active membership.
- A patient (portal user) sees only their own record, and no staff page.
- Within their clinic, what a person may *do* follows their roles: the table in
  `permissions.py`, applied here by `permission_required`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from ketacare.accounts.clinic_time import clinic_time_activate
from ketacare.accounts.models import StaffMember, User
from ketacare.accounts.permissions import Action, require
from ketacare.audit.models import AccessAction
from ketacare.audit.services import access_record
from ketacare.patients.models import Patient, PatientQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

SESSION_CLINIC_KEY = "ketacare_clinic_id"


class StaffRequest(HttpRequest):
    """A request from signed-in staff; `membership` is the clinic they act in."""

    user: User
    membership: StaffMember


class PatientRequest(HttpRequest):
    user: User
    patient: Patient


def active_memberships(user: User | AnonymousUser) -> list[StaffMember]:
    if not user.is_authenticated:
        return []
    if not user.is_active:
        return []
    return list(StaffMember.objects.active().filter(user=user).select_related("clinic", "user"))


def current_membership(request: HttpRequest) -> StaffMember | None:
    """Return the membership the user acts in: the one chosen this session, else the first."""
    memberships = active_memberships(request.user)
    if not memberships:
        return None
    chosen = request.session.get(SESSION_CLINIC_KEY)
    for membership in memberships:
        if membership.clinic_id == chosen:
            return membership
    return memberships[0]


def choose_clinic(request: HttpRequest, clinic_id: int) -> StaffMember:
    for membership in active_memberships(request.user):
        if membership.clinic_id == clinic_id:
            request.session[SESSION_CLINIC_KEY] = clinic_id
            return membership
    raise PermissionDenied("You are not a member of that clinic.")


F = TypeVar("F", bound=Callable[..., HttpResponse])


def _refuse_non_staff(request: HttpRequest) -> HttpResponse | None:
    """Send anonymous visitors to sign in; refuse patient accounts; else None."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.is_patient_user:
        raise PermissionDenied("This page is for clinic staff.")
    return None


def staff_required(view: F) -> F:
    """Let through signed-in staff with an active membership; set request.membership."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = _refuse_non_staff(request)
        if refused is not None:
            return refused
        membership = current_membership(request)
        if membership is None:
            raise PermissionDenied("You are not an active member of any clinic.")
        request.membership = membership  # type: ignore[attr-defined]
        clinic_time_activate(membership.clinic)
        return view(request, *args, **kwargs)

    return cast(F, wrapper)


def staff_user_required(view: F) -> F:
    """Let through any signed-in user who is not a patient (membership not needed yet)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _refuse_non_staff(request) or view(request, *args, **kwargs)

    return cast(F, wrapper)


def permission_required(action: Action) -> Callable[[F], F]:
    """Let through staff whose role may do `action` (accounts/permissions.py); refuse the
    rest with the rule's reason. Implies staff_required."""

    def decorate(view: F) -> F:
        @wraps(view)
        def check(request: StaffRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require(request.membership, action)
            return view(request, *args, **kwargs)

        return staff_required(cast(F, check))

    return decorate


def clinic_admin_required(view: F) -> F:
    """Pages that manage the clinic itself (staff and roles)."""
    return permission_required(Action.STAFF_MANAGE)(view)


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


def patient_for_staff(user: User, patient_id: int) -> Patient:
    """Return one patient the staff user may see, or 404 (an outsider learns nothing)."""
    if user.is_patient_user:
        raise PermissionDenied("This page is for clinic staff.")
    patient = patients_for_staff(user).select_related("clinic").filter(pk=patient_id).first()
    if patient is None:
        raise Http404("No such patient.")
    return patient


def patient_read_by_staff(
    request: StaffRequest, patient_id: int, *, action: str = AccessAction.VIEW_PAGE
) -> Patient:
    """Return a patient for a staff page that shows their data, and log the read."""
    patient = patient_for_staff(request.user, patient_id)
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
    patient = patient_for_staff(member.user, patient_id)
    if patient.clinic_id != member.clinic_id:
        raise Http404("No such patient.")
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


def staff_member_for_admin(membership: StaffMember, staff_member_id: int) -> StaffMember:
    """Return a staff member of the admin's own clinic, or 404."""
    require(membership, Action.STAFF_MANAGE)
    found = (
        StaffMember.objects.select_related("user")
        .filter(pk=staff_member_id, clinic_id=membership.clinic_id)
        .first()
    )
    if found is None:
        raise Http404("No such staff member.")
    return found
