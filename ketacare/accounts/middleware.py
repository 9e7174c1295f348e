from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from ketacare.accounts.twofactor import Stage, session_stage

# Paths a staff member may reach before passing the second factor. Each two-factor
# page checks the session's stage itself (ketacare.accounts.twofactor); the API and
# FHIR authenticate by token, never by this session; the portal refuses staff.
_OPEN_PREFIXES = ("/static/", "/api/", "/accounts/logout/", "/accounts/2fa/", "/portal/")


class StaffTwoFactorMiddleware:
    """Staff with a TOTP device must enter a code; where policy requires it, enrol first.

    Patients are not affected: the portal has its own, lighter, sign-in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(_OPEN_PREFIXES) or getattr(
            request.user, "is_patient_user", False
        ):
            return self.get_response(request)
        stage = session_stage(request)
        if stage == Stage.NEEDS_CODE:
            query = urlencode({"next": request.path})
            return redirect(f"{reverse('accounts:2fa_verify')}?{query}")
        if stage == Stage.NO_DEVICE and settings.KETACARE_REQUIRE_STAFF_2FA:
            return redirect("accounts:2fa_setup")
        return self.get_response(request)
