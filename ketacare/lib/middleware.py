from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    """Send a strict Content-Security-Policy: scripts and styles only from our own origin.

    Django 5.2 (the LTS this project pins) has no built-in CSP; 6.0 adds one, and
    this middleware goes when we move to it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", policy)
        return response
