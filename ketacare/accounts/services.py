"""Writes for clinics, staff and API tokens. Views call these; nothing else saves."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ketacare.accounts.clinic_settings import ClinicalSettings
from ketacare.accounts.emails import account_email_queue
from ketacare.accounts.models import CRISIS_FIELDS, ApiToken, Clinic, Role, StaffMember, User
from ketacare.lib.phones import phone_to_e164


def _queue_set_password_email(user: User, clinic: Clinic) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    context = {"user": user, "clinic": clinic, "url": settings.SITE_URL.rstrip("/") + path}
    account_email_queue(
        to=user.email,
        subject=render_to_string("emails/staff-invite-subject.txt", context).strip(),
        body=render_to_string("emails/staff-invite-body.txt", context),
        ref=f"account:staff-invite:{user.pk}/",
    )


def _queue_kept_apart_email(email: str, clinic: Clinic) -> None:
    context = {"clinic": clinic}
    account_email_queue(
        to=email,
        subject=render_to_string("emails/accounts-kept-apart-subject.txt", context).strip(),
        body=render_to_string("emails/accounts-kept-apart-staff-body.txt", context),
        ref="account:kept-apart",
    )


@transaction.atomic
def staff_member_invite(
    *, clinic: Clinic, email: str, full_name: str, roles: list[str], title: str = "", by: User
) -> StaffMember | None:
    """Add a person to the clinic; a new user gets an email to set a password.

    An address that belongs to a patient account (at any clinic) is never made staff, and
    the admin is not told so: being a patient of a ketamine clinic is health information.
    The caller answers as for any invitation; no member is created (None comes back) and
    the address's owner is told, by email only, that someone tried.
    """
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and user.is_patient_user:
        _queue_kept_apart_email(user.email, clinic)
        return None
    if user is not None and StaffMember.objects.filter(user=user, clinic=clinic).exists():
        raise ValidationError({"email": "This person is already on the clinic's staff."})
    is_new = user is None
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name.strip())
    member = StaffMember(user=user, clinic=clinic, roles=sorted(set(roles)), title=title.strip())
    member.full_clean()
    member._history_user = by  # type: ignore[attr-defined]
    member._change_reason = "invited"  # type: ignore[attr-defined]
    member.save()
    if is_new:
        _queue_set_password_email(user, clinic)
    return member


@transaction.atomic
def staff_member_update(
    *, member: StaffMember, roles: list[str], title: str, is_active: bool, by: User
) -> StaffMember:
    remains_admin = is_active and Role.CLINIC_ADMIN in roles
    if member.is_clinic_admin and not remains_admin:
        other_admins = [
            m
            for m in StaffMember.objects.active()
            .filter(clinic_id=member.clinic_id)
            .exclude(pk=member.pk)
            if m.is_clinic_admin
        ]
        if not other_admins:
            raise ValidationError({"roles": "A clinic must keep at least one active clinic admin."})
    member.roles = sorted(set(roles))
    member.title = title.strip()
    member.is_active = is_active
    member.full_clean()
    member._history_user = by  # type: ignore[attr-defined]
    member._change_reason = "roles or status changed"  # type: ignore[attr-defined]
    member.save(update_fields=["roles", "title", "is_active"])
    if not is_active:
        # A person who leaves loses API access at once.
        member.tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    return member


@transaction.atomic
def clinic_update(
    *,
    clinic: Clinic,
    name: str,
    time_zone: str,
    open_days: list[int],
    phone: str,
    country: str = "",
    minimum_age_years: int | None = None,
    by: User,
) -> Clinic:
    """Change the clinic's details, and its minimum age at registration when given.

    The minimum age is one of the clinical settings (`ClinicalSettings`: default, limits and
    check in one place); the others stored beside it are kept as they are.
    """
    locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
    clinic.name = name.strip()
    clinic.time_zone = time_zone
    clinic.open_days = sorted(set(open_days))
    clinic.country = country.strip().upper()
    clinic.full_clean(exclude=["phone"])  # the country must be right before reading the phone
    try:
        clinic.phone = phone_to_e164(phone, region=clinic.country)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    reason = "settings changed"
    if minimum_age_years is not None:
        current = ClinicalSettings.of(locked)
        changed = current.replace(minimum_age_years=minimum_age_years)
        clinic.clinical_settings = {
            **locked.clinical_settings,
            "minimum_age_years": changed.minimum_age_years,
        }
        if changed.minimum_age_years != current.minimum_age_years:
            reason = (
                f"settings changed; minimum age {current.minimum_age_years} "
                f"→ {changed.minimum_age_years}"
            )
    clinic.full_clean()
    clinic._history_user = by  # type: ignore[attr-defined]
    clinic._change_reason = reason  # type: ignore[attr-defined]
    clinic.save(
        update_fields=["name", "time_zone", "open_days", "country", "phone", "clinical_settings"]
    )
    return clinic


@transaction.atomic
def api_token_create(*, member: StaffMember, name: str) -> tuple[ApiToken, str]:
    """Create a token; return it and the plaintext, which is never stored or shown again."""
    key_id, secret, plaintext = ApiToken.generate()
    token = ApiToken(staff_member=member, name=name.strip(), key_id=key_id)
    token.set_secret(secret)
    token.full_clean()
    token.save()
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


@transaction.atomic
def clinic_crisis_lines_update(
    *,
    clinic: Clinic,
    emergency_number: str,
    crisis_line_name: str,
    crisis_line_number: str,
    crisis_line_note: str,
    by: User,
) -> Clinic:
    """Set the crisis help every patient page of the clinic shows; kept in the clinic's
    history like its other settings."""
    clinic.emergency_number = emergency_number.strip()
    clinic.crisis_line_name = " ".join(crisis_line_name.split())
    clinic.crisis_line_number = " ".join(crisis_line_number.split())
    clinic.crisis_line_note = " ".join(crisis_line_note.split())
    clinic.full_clean()
    clinic._history_user = by  # type: ignore[attr-defined]
    clinic._change_reason = "crisis lines changed"  # type: ignore[attr-defined]
    clinic.save(update_fields=list(CRISIS_FIELDS))
    return clinic
