from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from ketacare.accounts.models import TOKEN_PREFIX, ApiToken
from ketacare.accounts.throttle import api_token_check

_TOUCH_EVERY = dt.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer kc_<key id>_<secret>`; the token becomes request.auth."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            return None
        _, key_id, secret = parts
        found = (
            ApiToken.objects.usable()
            .select_related("staff_member__user", "staff_member__clinic")
            .filter(key_id=key_id)
            .first()
        )
        if found is None or not found.check_secret(secret):
            return None
        # The one per-token rate limit for /api/v1/ and /fhir/ (both authenticate here).
        api_token_check(request, found.pk)
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > _TOUCH_EVERY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.staff_member.user
        return found
