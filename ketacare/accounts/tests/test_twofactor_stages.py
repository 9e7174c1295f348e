"""Walk every two-factor page as an attacker at each stage of sign-in would.

Stages: anonymous; password only, no device yet; password only with a device (the
attacker who has stolen a password); verified (password and second factor).
"""

import base64
import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.conftest import PASSWORD, client_for

SETUP = reverse("accounts:2fa_setup")
VERIFY = reverse("accounts:2fa_verify")
RECOVERY = reverse("accounts:2fa_recovery")
CODE_RE = re.compile(r"<code>([a-z2-7]{8})</code>")


def _code_for(secret: str) -> str:
    return f"{totp(base64.b32decode(secret)):06d}"


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def enrolled(alice):
    """Alice has an authenticator app and ten recovery codes of her own."""
    device = TOTPDevice.objects.create(user=alice.user, name="phone", confirmed=True)
    static = StaticDevice.objects.create(user=alice.user, name="Recovery codes", confirmed=True)
    owners = [f"ownc{letter}ode" for letter in "abcdefghij"]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=t) for t in owners)
    return device, owners


def _password_only(user) -> Client:
    c = Client()
    response = c.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return c


def _verified(user, device) -> Client:
    c = _password_only(user)
    response = c.post(VERIFY, {"code": _code(device), "next": "/patients/"})
    assert response["Location"] == "/patients/"
    return c


def _owner_codes(user):
    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


# --- password only, with a device: the stolen-password attacker -----------------------


def test_password_alone_cannot_make_recovery_codes_and_sign_in_with_one(alice, enrolled):
    """The reported bypass: POST for new codes, read them, use one as the second factor."""
    _, owners = enrolled
    attacker = _password_only(alice.user)
    response = attacker.post(RECOVERY)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    page = attacker.get(RECOVERY, follow=True).content.decode()
    assert CODE_RE.findall(page) == []
    assert _owner_codes(alice.user) == set(owners)  # the owner's codes are untouched
    # Nothing the attacker can type gets past the second factor.
    refused = attacker.post(VERIFY, {"code": "abcdefgh", "next": "/patients/"})
    assert refused.status_code == 200
    assert attacker.get(reverse("patients:list"))["Location"].startswith(VERIFY)


def test_password_alone_cannot_see_recovery_codes_or_how_many_are_left(alice, enrolled):
    attacker = _password_only(alice.user)
    response = attacker.get(RECOVERY)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_password_alone_cannot_enrol_a_second_authenticator(alice, enrolled):
    device, _ = enrolled
    attacker = _password_only(alice.user)
    response = attacker.get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    response = attacker.post(SETUP, {"code": "123456"})
    assert response["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=alice.user)) == [device]


def test_password_alone_gets_the_code_form_on_the_verify_page(alice, enrolled):
    attacker = _password_only(alice.user)
    response = attacker.get(VERIFY)
    assert response.status_code == 200
    assert b"Enter the 6 digits" in response.content or b"code" in response.content


# --- anonymous -------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SETUP, VERIFY, RECOVERY])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_sign_in(db, url, method):
    response = getattr(Client(), method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not StaticDevice.objects.exists()
    assert not TOTPDevice.objects.exists()


# --- password only, no device yet -----------------------------------------------------


def test_without_a_device_recovery_and_verify_send_you_to_enrol(alice):
    c = _password_only(alice.user)
    for method in ("get", "post"):
        assert getattr(c, method)(RECOVERY)["Location"] == SETUP
        assert getattr(c, method)(VERIFY)["Location"] == SETUP
    assert not StaticDevice.objects.exists()


def test_at_first_enrolment_the_codes_are_shown_once_right_after_the_code_is_confirmed(alice):
    c = _password_only(alice.user)
    page = c.get(SETUP)
    assert page.status_code == 200
    assert c.post(SETUP, {"code": _code_for(page.context["secret"])})["Location"] == RECOVERY
    codes = CODE_RE.findall(c.get(RECOVERY).content.decode())
    assert len(codes) == 10
    assert set(codes) == _owner_codes(alice.user)


def test_an_unconfirmed_device_does_not_count_as_a_device(alice):
    TOTPDevice.objects.create(user=alice.user, name="half-done", confirmed=False)
    c = _password_only(alice.user)
    assert c.get(RECOVERY)["Location"] == SETUP
    assert c.get(reverse("patients:list")).status_code == 200  # demo/test: 2FA optional


# --- verified ---------------------------------------------------------------------------


def test_a_verified_session_can_make_new_codes_and_they_replace_the_old(alice, enrolled):
    device, owners = enrolled
    c = _verified(alice.user, device)
    page = c.get(RECOVERY)
    assert page.status_code == 200
    assert b"10" in page.content  # how many are left
    response = c.post(RECOVERY)
    assert response["Location"] == RECOVERY
    codes = CODE_RE.findall(c.get(RECOVERY).content.decode())
    assert len(codes) == 10
    assert _owner_codes(alice.user) == set(codes)
    assert not set(owners) & set(codes)


def test_a_verified_session_is_not_asked_again_and_cannot_re_enrol(alice, enrolled):
    device, _ = enrolled
    c = _verified(alice.user, device)
    assert c.get(f"{VERIFY}?next=/patients/")["Location"] == "/patients/"
    assert c.get(SETUP)["Location"] == RECOVERY
    assert TOTPDevice.objects.filter(user=alice.user).count() == 1


def test_a_session_verified_with_a_recovery_code_may_make_new_codes(alice, enrolled):
    _, owners = enrolled
    c = _password_only(alice.user)
    assert c.post(VERIFY, {"code": owners[0], "next": "/"})["Location"] == "/"
    assert c.post(RECOVERY)["Location"] == RECOVERY
    assert len(_owner_codes(alice.user)) == 10
    assert owners[1] not in _owner_codes(alice.user)


def test_patients_are_refused_on_every_two_factor_page(patient_user):
    c = client_for(patient_user)
    for url in (SETUP, VERIFY, RECOVERY):
        assert c.get(url).status_code == 403
        assert c.post(url).status_code == 403


def test_password_alone_cannot_mint_an_api_token_or_use_the_api(alice, enrolled):
    """The API is exempt from the two-factor middleware: it must accept tokens only."""
    from ketacare.accounts.models import ApiToken

    attacker = _password_only(alice.user)
    response = attacker.post(reverse("accounts:tokens"), {"name": "mine now"})
    assert response["Location"].startswith(VERIFY)
    assert not ApiToken.objects.exists()
    assert attacker.get("/api/v1/patients").status_code == 401
    # FHIR is not exempt: the session is sent to the code page; a token is still needed.
    assert attacker.get("/fhir/Questionnaire")["Location"].startswith(VERIFY)


def test_a_second_password_only_session_never_sees_the_pending_secret(alice):
    """The reported hole: two password-only sessions got the same unconfirmed secret, so
    once A confirmed, B passed the second factor with a code from the copied secret."""
    a, b = _password_only(alice.user), _password_only(alice.user)
    secret_a = a.get(SETUP).context["secret"]
    secret_b = b.get(SETUP).context["secret"]
    assert secret_a != secret_b
    assert a.get(SETUP).context["secret"] == secret_a  # stable within the enrolling session
    assert a.post(SETUP, {"code": _code_for(secret_a)})["Location"] == RECOVERY
    # B, still password-only, now needs A's device; its own copy of a secret is worthless.
    response = b.post(VERIFY, {"code": _code_for(secret_b), "next": "/patients/"})
    assert response.status_code == 200
    assert b"did not match" in response.content
    assert b.get(reverse("patients:list"))["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=alice.user).count() == 1


def test_an_unconfirmed_enrolment_leaves_no_device_behind(alice):
    c = _password_only(alice.user)
    c.get(SETUP)
    c.post(SETUP, {"code": "000000"})
    assert not TOTPDevice.objects.filter(user=alice.user).exists()
