"""Rate limits for what a visitor can make us do: send email, call the API.

Counts live in the shared database cache (ketacare/lib/cache.py), so every
gunicorn worker sees the same numbers. Limits are django-ratelimit fixed windows;
the answer to a request over a limit is 429 with Retry-After.

Counting happens before we look anything up, and for unknown addresses as well as
known ones, so a limit never reveals whether an account exists.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django_ratelimit.core import get_usage  # type: ignore[import-untyped]

from ketacare.lib.client_address import client_ip

F = TypeVar("F", bound=Callable[..., HttpResponseBase])
Recipient = Callable[..., str | None]


def _digest(value: str) -> str:
    """Cache keys name no email address or token in clear."""
    return hashlib.sha256(value.encode()).hexdigest()


def over_limit(request: HttpRequest, *, group: str, value: str, rate: str) -> int | None:
    """Count one request against (group, value); seconds to wait if over the rate, else None."""
    usage = get_usage(
        request, group=group, key=lambda _g, _r: _digest(value), rate=rate, increment=True
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(int(usage["time_left"]), 1)


def email_wait(request: HttpRequest, *, group: str, recipient: str | None) -> int | None:
    """Count one email-sending request per client address and per recipient."""
    limits = [
        ("address", client_ip(request) or "unknown", settings.KETACARE_EMAIL_RATE_PER_ADDRESS)
    ]
    if recipient:
        limits.append(
            ("recipient", recipient.strip().lower(), settings.KETACARE_EMAIL_RATE_PER_RECIPIENT)
        )
    waits = [
        wait
        for kind, value, rate in limits
        if (wait := over_limit(request, group=f"{group}:{kind}", value=value, rate=rate))
    ]
    return max(waits) if waits else None


def too_many_requests(request: HttpRequest, wait: int, *, what: str) -> HttpResponse:
    minutes = max(1, -(-wait // 60))
    response = render(
        request,
        "accounts/throttled.html",
        {"minutes": minutes, "what": what},
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


def email_rate_limited(group: str, *, recipient: Recipient, what: str) -> Callable[[F], F]:
    """Limit POSTs to a view that sends email; `recipient(request, **kwargs)` names who gets it."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method == "POST":
                wait = email_wait(request, group=group, recipient=recipient(request, **kwargs))
                if wait is not None:
                    return too_many_requests(request, wait, what=what)
            return view(request, *args, **kwargs)

        return cast(F, wrapper)

    return decorate


def posted_email(request: HttpRequest, **_: Any) -> str | None:
    return request.POST.get("email") or None


class TokenThrottled(Exception):  # noqa: N818 (it is a condition, not an error of ours)
    """An API token went over its rate; the API and FHIR answer 429 with Retry-After."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"Too many requests for this API token; retry after {wait} seconds.")
        self.wait = wait


def api_token_check(request: HttpRequest, token_pk: int) -> None:
    """Count one API or FHIR request for this token; raise TokenThrottled when over the rate."""
    wait = over_limit(
        request,
        group="api-token",
        value=str(token_pk),
        rate=settings.KETACARE_API_RATE_PER_TOKEN,
    )
    if wait is not None:
        raise TokenThrottled(wait)
