from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

# Paths a staff member may reach before passing the second factor.
_OPEN_PREFIXES = ("/static/", "/api/", "/accounts/logout/", "/accounts/2fa/", "/portal/")


class StaffTwoFactorMiddleware:
    """Staff with a TOTP device must enter a code; where policy requires it, enrol first.

    Patients are not affected: the portal has its own, lighter, sign-in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        is_verified = getattr(user, "is_verified", None)
        if (
            user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and not getattr(user, "is_patient_user", False)
            and not (is_verified and is_verified())
        ):
            if user_has_device(user):
                return redirect(f"{reverse('accounts:2fa_verify')}?next={request.path}")
            if settings.KETACARE_REQUIRE_STAFF_2FA:
                return redirect("accounts:2fa_setup")
        return self.get_response(request)
