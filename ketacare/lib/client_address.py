"""The address of the person at the other end, for lockouts, rate limits and the access log.

Behind a reverse proxy every request arrives from the proxy, so REMOTE_ADDR alone
would make all visitors one: a stranger's failed sign-ins would lock a clinician
out, and the access log would name only the proxy. When (and only when) the
deployment says which header its proxy sets, the address is read from there.

X-Forwarded-For is a list that each proxy appends to; anything to the left of the
entry our outermost trusted proxy wrote was typed by the client and is ignored.
With CLIENT_IP_PROXY_COUNT trusted proxies in a row, that entry is the
COUNT-th from the right. A single-value header such as X-Real-IP works with 1.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: from the trusted proxy header if configured, else the socket."""
    remote = _valid(request.META.get("REMOTE_ADDR"))
    meta_key: str = getattr(settings, "KETACARE_CLIENT_IP_META_KEY", "")
    if not meta_key:
        return remote
    hops = [hop.strip() for hop in request.META.get(meta_key, "").split(",") if hop.strip()]
    count: int = getattr(settings, "KETACARE_CLIENT_IP_PROXY_COUNT", 1)
    if len(hops) < count:
        # The request did not pass through every proxy we were told about (for
        # example, someone reached the app server directly): trust only the socket.
        return remote
    return _valid(hops[-count]) or remote
