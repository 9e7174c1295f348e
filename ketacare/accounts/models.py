from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ketacare.lib.phones import is_e164, validate_region


class Role(models.TextChoices):
    PRESCRIBER = "prescriber", "Prescriber"
    NURSE = "nurse", "Nurse / session monitor"
    THERAPIST = "therapist", "Therapist"
    COORDINATOR = "coordinator", "Care coordinator"
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: staff of one or more clinics, or a patient (never both).

    `is_staff` keeps Django's meaning (may open the technical admin site); clinic
    roles live on StaffMember.
    """

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_patient_user(self) -> bool:
        return hasattr(self, "patient_record")


WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/London).")


def validate_open_days(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in value):
        raise ValidationError("Opening days must be a list of weekday numbers 0 (Mon) to 6 (Sun).")


# Crisis help a clinic shows to its patients. The number is dialled from a patient's phone,
# so it is ASCII digits with optional spaces or hyphens between them and a leading "+":
# "988", "116 123", "+1 800-273-8255". The emergency number is digits only: 911, 112, 999.
_DIAL_STRING = re.compile(r"\+?[0-9](?:[ -]?[0-9]){1,15}")
_EMERGENCY_NUMBER = re.compile(r"[0-9]{2,6}")


def validate_dial_string(value: str) -> None:
    if not _DIAL_STRING.fullmatch(value):
        raise ValidationError(
            "Enter the number as it is dialled: digits, with spaces or hyphens between "
            "them if you like, and a leading + for an international number (e.g. 988)."
        )


def validate_emergency_number(value: str) -> None:
    if not _EMERGENCY_NUMBER.fullmatch(value):
        raise ValidationError("Enter the emergency number as 2 to 6 digits, e.g. 911, 112 or 999.")


def validate_plain_text(value: str) -> None:
    """Short text patients read: letters, digits, spaces and ordinary punctuation only."""
    for char in value:
        category = unicodedata.category(char)
        if char in "<>" or category.startswith("C") or category in ("So", "Sk", "Zl", "Zp"):
            raise ValidationError(
                "Use letters, digits and ordinary punctuation only (no symbols, emoji or "
                "angle brackets)."
            )


CRISIS_FIELDS = ("emergency_number", "crisis_line_name", "crisis_line_number", "crisis_line_note")


def dial_href(number: str) -> str:
    """`tel:` form of a validated dial string: its digits, keeping a leading +."""
    return ("+" if number.startswith("+") else "") + re.sub(r"[^0-9]", "", number)


def _default_open_days() -> list[int]:
    return [0, 1, 2, 3, 4]


class Clinic(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    open_days = models.JSONField(default=_default_open_days, validators=[validate_open_days])
    # Read numbers typed without a country code as numbers of this country (ISO 3166 alpha-2).
    country = models.CharField(
        max_length=2,
        blank=True,
        validators=[validate_region],
        help_text="Phone numbers typed without a country code are read as numbers here.",
    )
    phone = models.CharField(max_length=40, blank=True)  # E.164, see ketacare.lib.phones
    # Clinic-level clinical settings (thresholds, schedules): filled by later features,
    # each key documented with its source in docs/clinical-settings.md.
    clinical_settings = models.JSONField(default=dict, blank=True)
    mrn_prefix = models.CharField(max_length=8, default="KC")
    # Shown on every patient page in place of "your local emergency number".
    emergency_number = models.CharField(
        max_length=6, blank=True, validators=[validate_emergency_number]
    )
    crisis_line_name = models.CharField(max_length=80, blank=True, validators=[validate_plain_text])
    crisis_line_number = models.CharField(
        max_length=24, blank=True, validators=[validate_dial_string]
    )
    crisis_line_note = models.CharField(
        max_length=120, blank=True, validators=[validate_plain_text]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.phone and not is_e164(self.phone):
            raise ValidationError(
                {"phone": "This phone number could not be read; correct it (it is kept as typed)."}
            )
        if self.crisis_line_name and not self.crisis_line_number:
            raise ValidationError({"crisis_line_number": "Give the crisis line's number."})
        if self.crisis_line_number and not self.crisis_line_name:
            raise ValidationError({"crisis_line_name": "Give the crisis line's name."})
        if self.crisis_line_note and not self.crisis_line_number:
            raise ValidationError({"crisis_line_note": "A note needs a crisis line to go with."})

    @property
    def emergency_href(self) -> str:
        return dial_href(self.emergency_number)

    @property
    def crisis_line_href(self) -> str:
        return dial_href(self.crisis_line_number)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def open_day_labels(self) -> list[str]:
        return [label for number, label in WEEKDAYS if number in self.open_days]


def validate_roles(value: Any) -> None:
    valid = set(Role.values)
    if not isinstance(value, list) or not value:
        raise ValidationError("Choose at least one role.")
    unknown = [r for r in value if r not in valid]
    if unknown:
        raise ValidationError(f"Unknown role(s): {', '.join(map(str, unknown))}.")


class StaffMemberQuerySet(models.QuerySet["StaffMember"]):
    def active(self) -> StaffMemberQuerySet:
        return self.filter(is_active=True, user__is_active=True)


class StaffMember(models.Model):
    """A user's membership of one clinic, with the roles they hold there."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="staff_members")
    roles = models.JSONField(default=list, validators=[validate_roles])
    title = models.CharField(max_length=80, blank=True, help_text="e.g. RN, MD, LCSW")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = StaffMemberQuerySet.as_manager()

    class Meta:
        ordering = ["user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic")
        ]

    def __str__(self) -> str:
        suffix = f", {self.title}" if self.title else ""
        return f"{self.user.full_name}{suffix}"

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_clinic_admin(self) -> bool:
        return Role.CLINIC_ADMIN in self.roles

    def role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [labels[r] for r in Role.values if r in self.roles]


TOKEN_PREFIX = "kc"  # noqa: S105  (a public prefix, not a secret)


def _hash_token(secret: str) -> str:
    # Tokens are 256-bit random values, so a fast hash is as safe as a slow one
    # and keeps every API call cheap.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(
            revoked_at__isnull=True,
            staff_member__is_active=True,
            staff_member__user__is_active=True,
        )


class ApiToken(models.Model):
    """A staff API token, bound to one clinic membership; only its hash is stored."""

    staff_member = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="tokens")
    name = models.CharField(max_length=100)
    key_id = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """Return (key_id, secret, full token). The full token is shown once."""
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        return key_id, secret, f"{TOKEN_PREFIX}_{key_id}_{secret}"

    def set_secret(self, secret: str) -> None:
        self.secret_hash = _hash_token(secret)

    def check_secret(self, secret: str) -> bool:
        return secrets.compare_digest(self.secret_hash, _hash_token(secret))

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
