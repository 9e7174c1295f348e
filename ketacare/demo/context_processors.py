from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from ketacare.demo.seed import DEMO_PASSWORD, demo_logins


def demo(request: HttpRequest) -> dict[str, Any]:
    """The demo logins on the sign-in page, in demo mode only and only before signing in."""
    user = getattr(request, "user", None)
    if not settings.DEMO or (user is not None and user.is_authenticated):
        return {}
    return {"demo_logins": demo_logins(), "demo_password": DEMO_PASSWORD}
