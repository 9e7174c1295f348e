"""Who is staff, in which clinic, and what their roles let them do.

Together with `ketacare/patients/access.py` (whose records a person may reach) these are
every access decision in ketacare. The split follows the layers: memberships and roles are
known here, below `patients`; the rules that name a patient live in `patients`. Views and
API endpoints never query patients or memberships directly; they call these functions.
Each rule is one condition on its own line so that tests can cover every branch.

- Within their clinic, what a person may *do* follows their roles: the table in
  `permissions.py`, applied here by `permission_required`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from ketacare.accounts.clinic_time import clinic_time_activate
from ketacare.accounts.models import StaffMember, User
from ketacare.accounts.permissions import Action, require

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

SESSION_CLINIC_KEY = "ketacare_clinic_id"


class StaffRequest(HttpRequest):
    """A request from signed-in staff; `membership` is the clinic they act in."""

    user: User
    membership: StaffMember


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
