"""Guessing spread over many addresses meets a per-account limit that asks for more
proof (an emailed link) instead of locking anyone out."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts.tests.sending import send_queued
from ketacare.conftest import PASSWORD

LOGIN = reverse("accounts:login")


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.KETACARE_SIGNIN_STEP_UP_AFTER = 10


def _guess_from_many_addresses(login_url, email, times=12):
    """One guess per address: never enough for the per-address lockout to notice."""
    for i in range(times):
        c = Client(REMOTE_ADDR=f"203.0.113.{i + 1}")
        c.post(login_url, {"username": email, "password": f"guess {i}"})


def _signed_in(c):
    return "_auth_user_id" in c.session


def _sent():
    """What the worker has sent: account emails leave through the outbox, after the request."""
    send_queued()
    return mail.outbox


def _link(message):
    return re.search(r"http://\S+/accounts/login/confirm/\S+/", message.body).group(0)


def test_guesses_spread_over_many_addresses_meet_a_per_account_limit(alice):
    """The reported hole: with no proxy, nothing limited guesses per account."""
    _guess_from_many_addresses(LOGIN, alice.user.email)
    owner = Client(REMOTE_ADDR="198.51.100.20")
    response = owner.post(LOGIN, {"username": alice.user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert b"check your email" in response.content
    assert not _signed_in(owner)
    assert len(_sent()) == 1 and mail.outbox[0].to == [alice.user.email]


def test_the_owner_still_gets_in_with_the_emailed_link_then_the_second_factor(alice):
    TOTPDevice.objects.create(user=alice.user, name="phone", confirmed=True)
    _guess_from_many_addresses(LOGIN, alice.user.email)
    owner = Client()
    owner.post(LOGIN, {"username": alice.user.email, "password": PASSWORD, "next": "/patients/"})
    link = _link(_sent()[-1])
    assert owner.get(link).status_code == 200  # a button: mail scanners do not sign in
    assert not _signed_in(owner)
    response = owner.post(link)
    assert response["Location"] == "/patients/"
    assert _signed_in(owner)
    # The second factor is still asked for.
    assert owner.get("/patients/")["Location"].startswith(reverse("accounts:2fa_verify"))


def test_the_link_works_only_in_the_browser_that_gave_the_password_and_only_once(alice):
    _guess_from_many_addresses(LOGIN, alice.user.email)
    owner = Client()
    owner.post(LOGIN, {"username": alice.user.email, "password": PASSWORD})
    link = _link(_sent()[-1])
    other = Client()
    assert other.post(link).status_code == 410
    assert not _signed_in(other)
    assert owner.post(link).status_code == 302
    owner.logout()
    assert owner.post(link).status_code == 410


def test_a_wrong_password_sends_no_email_and_looks_like_any_failure(alice):
    _guess_from_many_addresses(LOGIN, alice.user.email)
    response = Client().post(LOGIN, {"username": alice.user.email, "password": "another guess"})
    assert response.status_code == 200
    assert b"do not match an account" in response.content
    assert _sent() == []


def test_an_unknown_account_gets_the_same_answer_as_a_known_one(alice):
    _guess_from_many_addresses(LOGIN, "nobody@harbour.test")
    _guess_from_many_addresses(LOGIN, alice.user.email)
    known = Client().post(LOGIN, {"username": alice.user.email, "password": "x"}).content
    unknown = Client().post(LOGIN, {"username": "nobody@harbour.test", "password": "x"}).content
    strip = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"|value="[^"]*@harbour.test"')
    assert strip.sub(b"", known) == strip.sub(b"", unknown)


def test_below_the_limit_the_password_is_enough_and_a_sign_in_clears_the_count(alice):
    _guess_from_many_addresses(LOGIN, alice.user.email, times=9)
    c = Client()
    assert c.post(LOGIN, {"username": alice.user.email, "password": PASSWORD}).status_code == 302
    c.logout()
    _guess_from_many_addresses(LOGIN, alice.user.email, times=9)  # 9 again, not 18
    assert c.post(LOGIN, {"username": alice.user.email, "password": PASSWORD}).status_code == 302


def test_email_case_does_not_split_the_count(alice):
    _guess_from_many_addresses(LOGIN, alice.user.email.upper())
    c = Client()
    response = c.post(LOGIN, {"username": alice.user.email, "password": PASSWORD})
    assert b"check your email" in response.content


def test_patients_get_the_same_protection_on_the_portal(patient_user):
    portal = reverse("portal:login")
    _guess_from_many_addresses(portal, patient_user.email)
    c = Client()
    response = c.post(portal, {"username": patient_user.email, "password": PASSWORD})
    assert b"check your email" in response.content
    assert c.post(_link(_sent()[-1]))["Location"] == reverse("portal:home")
    assert c.get(reverse("portal:home")).status_code == 200


def test_the_confirmation_emails_are_rate_limited_too(alice, settings):
    settings.KETACARE_EMAIL_RATE_PER_RECIPIENT = "2/h"
    _guess_from_many_addresses(LOGIN, alice.user.email)
    codes = [
        Client().post(LOGIN, {"username": alice.user.email, "password": PASSWORD}).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    assert len(_sent()) == 2


def test_the_technical_admin_login_cannot_skip_the_step_up(db):
    from ketacare.accounts.models import User

    root = User.objects.create_superuser(
        email="root@ketacare.test", full_name="Root", password=PASSWORD
    )
    _guess_from_many_addresses(LOGIN, root.email)
    c = Client()
    response = c.post(
        reverse("admin:login"), {"username": root.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert not _signed_in(c)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    # Through the staff sign-in, the emailed link then the admin works.
    c.post(LOGIN, {"username": root.email, "password": PASSWORD, "next": "/admin/"})
    assert c.post(_link(_sent()[-1]))["Location"] == "/admin/"
    assert c.get("/admin/").status_code == 200


def test_signed_in_staff_who_are_not_technical_admins_are_refused_the_admin(alice):
    c = Client()
    c.force_login(alice.user)
    assert c.get("/admin/", follow=True).status_code == 403
    assert Client().get("/admin/")["Location"].startswith(reverse("admin:login"))
