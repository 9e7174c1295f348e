"""A per-account limit on password guessing that asks for more proof instead of locking.

django-axes pauses one address after a few failures for an account (keyed on account
and address), so a stranger cannot lock a clinician out from elsewhere. That alone
would let someone spread guesses over many addresses. So failures are also counted
per account, from anywhere: once SIGNIN_STEP_UP_AFTER of them fall within the window,
the right password alone no longer signs in. The owner is then emailed a one-time
link; opening it in the same browser finishes the sign-in (the second factor is
still asked of staff after that). A stranger can therefore make sign-in slower for
the owner, never impossible, and learns nothing without the password.

Failures keep the window open while they continue; a completed sign-in clears it.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import signing
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from ketacare.accounts.emails import account_email_queue
from ketacare.accounts.models import User

SALT = "ketacare.accounts.signin-confirm"
LINK_MAX_AGE_SECONDS = 15 * 60
PENDING_SESSION_KEY = "ketacare_signin_pending"
SIGN_IN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _key(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    return f"signin-failures:{digest}"


@receiver(user_login_failed)
def _count_failure(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    """Count every failed password for an account name, known or not, from anywhere."""
    username = credentials.get("username") or credentials.get("email")
    if not isinstance(username, str) or not username.strip():
        return
    key, window = _key(username), settings.KETACARE_SIGNIN_STEP_UP_WINDOW
    cache.add(key, 0, window)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr: start again
        cache.set(key, 1, window)
    cache.touch(key, window)


@receiver(user_logged_in)
def _clear_on_sign_in(sender: Any, user: User, **kwargs: Any) -> None:
    cache.delete(_key(user.email))


def needs_email_proof(user: User) -> bool:
    return int(cache.get(_key(user.email), 0)) >= settings.KETACARE_SIGNIN_STEP_UP_AFTER


def confirmation_start(request: HttpRequest, user: User, *, next_url: str) -> None:
    """Remember, in this browser only, who gave the right password; email them the link."""
    nonce = secrets.token_urlsafe(16)
    request.session[PENDING_SESSION_KEY] = {"u": user.pk, "n": nonce, "next": next_url}
    token = signing.dumps({"u": user.pk, "n": nonce}, salt=SALT)
    url = settings.SITE_URL.rstrip("/") + reverse("accounts:signin_confirm", args=[token])
    context = {"url": url, "minutes": LINK_MAX_AGE_SECONDS // 60, "user": user}
    account_email_queue(  # queued: a mail server that is down must not make this a 500
        to=user.email,
        subject="Finish signing in to ketacare",
        body=render_to_string("accounts/emails/signin_confirm.txt", context),
        ref=f"account:signin-confirm:{user.pk}/",
    )


def confirmation_finish(request: HttpRequest, token: str) -> str | None:
    """Sign in the person this browser is waiting for; return where to go, or None."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    pending = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict) or not isinstance(data, dict):
        return None
    if pending.get("u") != data.get("u") or not secrets.compare_digest(
        str(pending.get("n")), str(data.get("n"))
    ):
        return None
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None:
        return None
    del request.session[PENDING_SESSION_KEY]
    login(request, user, backend=SIGN_IN_BACKEND)  # rotates the session; single use
    return str(pending.get("next") or "/")
