from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from ketacare.accounts.access import active_memberships, current_membership
from ketacare.accounts.permissions import Permissions


def ketacare(request: HttpRequest) -> dict[str, Any]:
    """Navigation and clinic context for every page."""
    # `can.<action>`: menus and buttons ask the same table as the views (permissions.py).
    context: dict[str, Any] = {"DEMO": settings.DEMO, "can": Permissions(None)}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "is_patient_user", False):
        return context
    membership = getattr(request, "membership", None) or current_membership(request)
    if membership is None:
        return context
    context["membership"] = membership
    context["current_clinic"] = membership.clinic
    context["all_memberships"] = active_memberships(user)
    context["can"] = Permissions(membership)
    return context
