"""Emailed sign-in links for patients: signed, short-lived, and single-use.

The signed value includes the user's last_login, so once the link has been used to sign
in (which updates last_login) the same link no longer verifies.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse

from ketacare.accounts.emails import account_email_queue
from ketacare.accounts.models import User

SALT = "ketacare.portal.magic-link"
MAX_AGE_SECONDS = 15 * 60


def _fingerprint(user: User) -> str:
    return user.last_login.isoformat() if user.last_login else "never"


def make_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "f": _fingerprint(user)}, salt=SALT)


def user_for_token(token: str) -> User | None:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or not user.is_patient_user or data.get("f") != _fingerprint(user):
        return None
    return user


def send_link(email: str) -> None:
    """Queue a sign-in link if the address belongs to a patient; say nothing either way.

    Queued, not sent: the request must look the same whether or not the account exists
    and whether or not the mail server is up. The worker sends within its interval (30 s
    by default), well inside the link's lifetime; a newer request replaces a waiting link.
    """
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or not user.is_patient_user:
        return
    url = settings.SITE_URL.rstrip("/") + reverse("portal:magic_login", args=[make_token(user)])
    clinic = user.patient_record.clinic
    context = {"url": url, "clinic": clinic, "minutes": MAX_AGE_SECONDS // 60}
    account_email_queue(
        to=user.email,
        subject=f"Sign in to your {clinic.name} portal",
        body=render_to_string("emails/portal-magic-link.txt", context),
        ref=f"account:portal-link:{user.pk}/",
        replaces_waiting=True,
    )
