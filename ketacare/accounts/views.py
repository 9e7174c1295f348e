from __future__ import annotations

import base64
import io
import math
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST, require_safe
from django_otp import login as otp_login
from django_otp.models import ThrottlingMixin
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from ketacare.accounts import services, stepup
from ketacare.accounts.access import (
    StaffRequest,
    choose_clinic,
    permission_required,
    staff_member_for_admin,
    staff_required,
    staff_user_required,
)
from ketacare.accounts.clinic_settings import ClinicalSettings
from ketacare.accounts.forms import (
    ApiTokenForm,
    ClinicSettingsForm,
    QueuedPasswordResetForm,
    SecondFactorForm,
    StaffEditForm,
    StaffInviteForm,
    StaffLoginForm,
    TotpCodeForm,
)
from ketacare.accounts.models import ApiToken, StaffMember, User
from ketacare.accounts.permissions import Action
from ketacare.accounts.throttle import (
    email_rate_limited,
    email_wait,
    posted_email,
    too_many_requests,
)
from ketacare.accounts.twofactor import Stage, has_authenticator, session_stage
from ketacare.lib.forms import add_errors


class PasswordLoginView(auth_views.LoginView):
    """Password sign-in; after many failures for the account, also an emailed link."""

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if not stepup.needs_email_proof(user):
            return super().form_valid(form)
        wait = email_wait(self.request, group="signin-confirm", recipient=user.email)
        if wait is not None:
            return too_many_requests(self.request, wait, what="email a sign-in link")
        stepup.confirmation_start(self.request, user, next_url=self.get_success_url())
        return render(self.request, "accounts/signin_check_email.html")


def signin_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST finishes the sign-in (mail scanners press no buttons)."""
    if request.method == "POST":
        next_url = stepup.confirmation_finish(request, token)
        if next_url is not None:
            return redirect(next_url)
        return render(request, "accounts/signin_confirm.html", {"invalid": True}, status=410)
    return render(request, "accounts/signin_confirm.html")


class StaffLoginView(PasswordLoginView):
    form_class = StaffLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def home(request: HttpRequest) -> HttpResponse:
    """Send each person to their own start page."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if getattr(request.user, "is_patient_user", False):
        return redirect("portal:home")
    return redirect("patients:list")


@require_POST
@staff_required
def clinic_switch(request: StaffRequest) -> HttpResponse:
    try:
        clinic_id = int(request.POST.get("clinic", ""))
    except ValueError:
        messages.error(request, "Choose a clinic.")
        return redirect("home")
    membership = choose_clinic(request, clinic_id)
    messages.success(request, f"You are now working in {membership.clinic.name}.")
    return redirect("home")


# --- Two-factor (TOTP) -----------------------------------------------------------


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _to_verify(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('accounts:2fa_verify')}?{urlencode({'next': request.path})}")


@staff_user_required
def twofactor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: only before one exists, or after the second factor."""
    user = request.user
    assert isinstance(user, User)
    stage = session_stage(request)
    if stage == Stage.NEEDS_CODE:
        return _to_verify(request)
    if stage == Stage.VERIFIED and has_authenticator(user):
        messages.info(request, "Two-factor sign-in is already set up for your account.")
        return redirect("accounts:2fa_recovery")
    device = _pending_device(request, user)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # No throttle here: the enrolling session already holds the secret, so guessing
        # codes gains nothing, and a right code after a wrong one must simply work.
        if _pending_code_matches(device, form.cleaned_data["code"]):
            device = _pending_device_confirm(request, user, device)
            otp_login(request, device)
            request.session[RECOVERY_SESSION_KEY] = _new_recovery_codes(user)
            return redirect("accounts:2fa_recovery")
        else:
            form.add_error(
                "code", "That code did not match. Check the time on your phone and try again."
            )
    secret = base64.b32encode(device.bin_key).decode()
    context = {"form": form, "qr": _qr_svg(device.config_url), "secret": secret}
    return render(request, "accounts/2fa_setup.html", context)


PENDING_TOTP_SESSION_KEY = "ketacare_totp_pending_key"


def _pending_device(request: HttpRequest, user: User) -> TOTPDevice:
    """The authenticator being enrolled, kept unsaved in this session only.

    Saved before confirmation, the secret was shared by every session of the account: a
    second session holding only the password saw it too and, once the owner confirmed,
    could pass the second factor with it. The key lives in the enrolling session until
    the code is confirmed, so no other session ever sees it.
    """
    key = request.session.get(PENDING_TOTP_SESSION_KEY)
    if not isinstance(key, str):
        key = random_hex(20)
        request.session[PENDING_TOTP_SESSION_KEY] = key
    return TOTPDevice(user=user, key=key, name="Authenticator app", confirmed=False)


def _pending_code_matches(device: TOTPDevice, code: str) -> bool:
    if not code.isdigit():
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if not totp.verify(int(code), device.tolerance):
        return False
    device.last_t, device.drift = totp.t(), totp.drift  # the same code is not taken twice
    return True


@transaction.atomic
def _pending_device_confirm(request: HttpRequest, user: User, device: TOTPDevice) -> TOTPDevice:
    """Save the device, confirmed. The account's other password-only sessions need not be
    ended: from now on they are asked for a code from this device, whose secret only
    this session has seen."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()  # left by older versions
    device.confirmed = True
    device.save()
    del request.session[PENDING_TOTP_SESSION_KEY]
    return device


def _throttle_wait(device: ThrottlingMixin) -> str:
    """After a wrong code the device refuses every code, right or wrong, for a while
    (django-otp doubles the pause each time); say so, and for how long, rather than
    calling a correct code wrong."""
    allowed, data = device.verify_is_allowed()
    if allowed:
        return ""
    locked_until = (data or {}).get("locked_until")
    seconds = 1
    if locked_until is not None:
        seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    unit = "second" if seconds == 1 else "seconds"
    return (
        f"Too many tries in a row: wait {seconds} {unit}, then enter the newest code from your app."
    )


RECOVERY_SESSION_KEY = "ketacare_recovery_codes"
RECOVERY_CODE_COUNT = 10


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with fresh single-use ones; return them once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


@staff_user_required
def twofactor_recovery(request: HttpRequest) -> HttpResponse:
    """Show the codes made at enrolment, once; make a new set. Second factor first.

    Recovery codes are themselves a second factor, so a session holding only the
    password must never make, see or count them.
    """
    user = request.user
    assert isinstance(user, User)
    stage = session_stage(request)
    if stage == Stage.NEEDS_CODE:
        return _to_verify(request)
    if stage == Stage.NO_DEVICE:
        return redirect("accounts:2fa_setup")
    if request.method == "POST":
        if not has_authenticator(user):
            return redirect("accounts:2fa_setup")
        request.session[RECOVERY_SESSION_KEY] = _new_recovery_codes(user)
        messages.success(request, "New recovery codes made; the old ones no longer work.")
        return redirect("accounts:2fa_recovery")
    codes = request.session.pop(RECOVERY_SESSION_KEY, None)
    remaining = StaticToken.objects.filter(device__user=user).count()
    return render(request, "accounts/2fa_recovery.html", {"codes": codes, "remaining": remaining})


@staff_user_required
def twofactor_verify(request: HttpRequest) -> HttpResponse:
    """Ask for the second factor: only of a session that has the password and a device."""
    user = request.user
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    stage = session_stage(request)
    if stage == Stage.VERIFIED:
        return redirect(next_url)
    if stage == Stage.NO_DEVICE:
        return redirect("accounts:2fa_setup")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        used = (
            device
            if code.isdigit()
            else StaticDevice.objects.filter(user=user, confirmed=True).first()
        )
        if used is not None and (wait := _throttle_wait(used)):
            form.add_error("code", wait)
        elif used is not None and used.verify_token(code):
            otp_login(request, used)
            if used is not device:
                messages.warning(
                    request,
                    "You signed in with a recovery code; it cannot be "
                    "used again. Make new codes if few are left.",
                )
            return redirect(next_url)
        else:
            form.add_error("code", "That code did not match. Try the newest code from your app.")
    return render(request, "accounts/2fa_verify.html", {"form": form, "next": next_url})


# --- Clinic admin: staff and settings ------------------------------------------


@require_safe
@permission_required(Action.STAFF_MANAGE)
def staff_list(request: StaffRequest) -> HttpResponse:
    members = (
        StaffMember.objects.filter(clinic=request.membership.clinic)
        .select_related("user")
        .order_by("-is_active", "user__full_name")
    )
    return render(request, "accounts/staff_list.html", {"members": members})


@permission_required(Action.STAFF_MANAGE)
def staff_invite(request: StaffRequest) -> HttpResponse:
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        existed = User.objects.filter(email__iexact=form.cleaned_data["email"].strip()).exists()
        try:
            member = services.staff_member_invite(
                clinic=request.membership.clinic, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _invited_message(member, form.cleaned_data, existed))
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff_form.html", {"form": form, "title": "Add staff member"})


def _invited_message(member: StaffMember | None, typed: dict[str, Any], existed: bool) -> str:
    """Someone who already has a staff account (at another clinic, say) joins under the name
    on that account: a name belongs to the person, and one clinic's admin must not rename
    them for the others. The admin is told, rather than left to find another name listed.

    A new address and an address that belongs to a patient account (no member is made, see
    staff_member_invite) get the very same words, so the answer never tells them apart."""
    if member is None or not existed:
        return f"Invitation sent to {typed['email']}."
    name = member.user.full_name
    said = str(typed["full_name"]).strip()
    if said and said.casefold() != name.casefold():
        return (
            f"This address already has a ketacare account, in the name {name}; they were added "
            f"under that name, not “{said}”. They sign in with their existing password."
        )
    return f"{name} already had a ketacare account and was added; they sign in as before."


@permission_required(Action.STAFF_MANAGE)
def staff_edit(request: StaffRequest, member_id: int) -> HttpResponse:
    member = staff_member_for_admin(request.membership, member_id)
    initial = {"title": member.title, "roles": member.roles, "is_active": member.is_active}
    form = StaffEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_member_update(member=member, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Saved {member.user.full_name}.")
            return redirect("accounts:staff_list")
    context = {"form": form, "title": f"Edit {member.user.full_name}", "member": member}
    return render(request, "accounts/staff_form.html", context)


@permission_required(Action.CLINIC_SETTINGS)
def clinic_settings(request: StaffRequest) -> HttpResponse:
    clinic = request.membership.clinic
    initial = {
        "name": clinic.name,
        "time_zone": clinic.time_zone,
        "open_days": clinic.open_days,
        "country": clinic.country,
        "phone": clinic.phone,
        "minimum_age_years": ClinicalSettings.of(clinic).minimum_age_years,
    }
    form = ClinicSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.clinic_update(clinic=clinic, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Clinic settings saved.")
            return redirect("accounts:clinic_settings")
    return render(request, "accounts/clinic_settings.html", {"form": form, "clinic": clinic})


# --- API tokens -------------------------------------------------------------------


@permission_required(Action.API_TOKENS)
def token_list(request: StaffRequest) -> HttpResponse:
    """Post/redirect/get, so a refresh cannot make a second token; the secret rides in the
    session across the redirect and is popped by the next page, so it is shown once."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _, request.session[TOKEN_SESSION_KEY] = services.api_token_create(
            member=request.membership, name=form.cleaned_data["name"]
        )
        return redirect("accounts:tokens")
    plaintext = request.session.pop(TOKEN_SESSION_KEY, None)
    tokens = ApiToken.objects.filter(staff_member__user=request.user).select_related(
        "staff_member__clinic"
    )
    context = {"form": form, "tokens": tokens, "plaintext": plaintext}
    response = render(request, "accounts/tokens.html", context)
    add_never_cache_headers(response)  # the secret must not linger in a browser cache
    return response


TOKEN_SESSION_KEY = "ketacare_new_api_token"  # noqa: S105 (a session key, not a secret)


@require_POST
@permission_required(Action.API_TOKENS)
def token_revoke(request: StaffRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, staff_member__user=request.user)
    services.api_token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked. It no longer works.")
    return redirect("accounts:tokens")


password_reset = email_rate_limited(
    "password-reset", recipient=posted_email, what="reset a password"
)(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        form_class=QueuedPasswordResetForm,
        email_template_name="emails/password-reset-body.txt",
        subject_template_name="emails/password-reset-subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
