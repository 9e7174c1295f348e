"""Where a session stands in two-factor sign-in, decided in one place.

Every two-factor page and the middleware ask `session_stage` and act on its answer,
so a page that is reachable before the second factor (enrol, verify, recovery) can
never do more than that stage allows. Recovery codes are a second factor: only a
session that has already passed the second factor may make or see them.
"""

from __future__ import annotations

from enum import StrEnum

from django.http import HttpRequest
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice


class Stage(StrEnum):
    ANONYMOUS = "anonymous"
    NO_DEVICE = "password only, no second factor enrolled"
    NEEDS_CODE = "password only, a second factor enrolled"
    VERIFIED = "password and second factor"


def has_authenticator(user: object) -> bool:
    """A confirmed TOTP device; recovery codes alone do not count as enrolment."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def session_stage(request: HttpRequest) -> Stage:
    user = request.user
    if not user.is_authenticated:
        return Stage.ANONYMOUS
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return Stage.VERIFIED
    # Any confirmed device (recovery codes included) means the password is not enough.
    if user_has_device(user):
        return Stage.NEEDS_CODE
    return Stage.NO_DEVICE
