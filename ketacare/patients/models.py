from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ketacare.accounts.clinic_settings import ClinicalSettings
from ketacare.accounts.models import Clinic, StaffMember
from ketacare.core.phases import Phase
from ketacare.lib.phones import is_e164

PHASE_CHOICES = [(p.value, p.label) for p in Phase]


class SexAtBirth(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    UNKNOWN = "unknown", "Not recorded"


class ContactChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    PHONE = "phone", "Phone call"


PHONE_FIELDS = ("phone", "support_phone")
UNREADABLE_PHONE = "This phone number could not be read; correct it (it is kept as typed)."


class PatientQuerySet(models.QuerySet["Patient"]):
    def search(self, text: str) -> PatientQuerySet:
        text = text.strip()
        if not text:
            return self
        q = models.Q(mrn__icontains=text)
        for word in text.split():
            q |= models.Q(given_name__icontains=word) | models.Q(family_name__icontains=word)
            q |= models.Q(preferred_name__icontains=word)
        return self.filter(q)


class Patient(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("MRN", max_length=32)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    birth_date = models.DateField()
    sex_at_birth = models.CharField(
        max_length=16, choices=SexAtBirth.choices, default=SexAtBirth.UNKNOWN
    )
    gender_identity = models.CharField(max_length=60, blank=True)
    pronouns = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    # Phone numbers are stored in E.164 (+13125550142); services read what people type
    # with ketacare.lib.phones.phone_to_e164 in the clinic's country.
    phone = models.CharField(max_length=30, blank=True)
    preferred_contact = models.CharField(
        max_length=8, choices=ContactChannel.choices, default=ContactChannel.EMAIL
    )
    support_name = models.CharField("support person", max_length=150, blank=True)
    support_relationship = models.CharField(max_length=60, blank=True)
    support_phone = models.CharField("support person's phone", max_length=30, blank=True)
    phase = models.CharField(max_length=16, choices=PHASE_CHOICES, default=Phase.REFERRED.value)
    portal_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient_record",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "mrn"], name="mrn_unique_within_clinic")
        ]
        indexes = [
            models.Index(fields=["clinic", "phase"]),
            models.Index(fields=["clinic", "family_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.given_name
        return f"{first} {self.family_name}"

    @property
    def legal_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        today = timezone.localdate()
        if self.birth_date and self.birth_date > today:
            errors["birth_date"] = "The date of birth is in the future."
        elif self.birth_date and self.birth_date.year < today.year - 120:
            errors["birth_date"] = "The date of birth is more than 120 years ago."
        elif self.birth_date and self.clinic_id and (problem := self._too_young(today)):
            errors["birth_date"] = problem
        for name in PHONE_FIELDS:
            value = getattr(self, name)
            if value and not is_e164(value):
                errors[name] = UNREADABLE_PHONE
        if self.preferred_contact == ContactChannel.EMAIL and not self.email:
            errors["email"] = "Email is the preferred contact channel, so an address is needed."
        if self.preferred_contact in (ContactChannel.SMS, ContactChannel.PHONE) and not self.phone:
            errors["phone"] = "A phone number is needed for the preferred contact channel."
        if errors:
            raise ValidationError(errors)

    def _too_young(self, today: dt.date) -> str:
        """The programme treats adults: a birth date that makes the patient younger than the
        clinic's minimum age is a typo or a referral to refuse, never a silent record."""
        # A clinic policy, with our default and its limits in ClinicalSettings.
        minimum = ClinicalSettings.of(self.clinic).minimum_age_years
        age = self.age_on(today)
        if age >= minimum:
            return ""
        return (
            f"With this date of birth the patient is {age} years old; this clinic registers "
            f"patients aged {minimum} or over. Check the date."
        )

    def age_on(self, day: dt.date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)

    @property
    def phase_label(self) -> str:
        return Phase(self.phase).label


class PhaseChange(models.Model):
    """One move between care phases: who, when, why. Never edited."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="phase_changes")
    from_phase = models.CharField(max_length=16, choices=PHASE_CHOICES, blank=True)
    to_phase = models.CharField(max_length=16, choices=PHASE_CHOICES)
    reason = models.TextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_phase or 'new'} → {self.to_phase}"


class CareTeamRole(models.TextChoices):
    PRESCRIBER = "prescriber", "Prescriber"
    NURSE = "nurse", "Nurse"
    THERAPIST = "therapist", "Integration therapist"
    COORDINATOR = "coordinator", "Care coordinator"


class CareTeamMemberQuerySet(models.QuerySet["CareTeamMember"]):
    def current(self) -> CareTeamMemberQuerySet:
        return self.filter(ended_at__isnull=True)


class CareTeamMember(models.Model):
    """A named staff member in a role on a patient's care team.

    Leaving the team sets ended_at; rows are never deleted, so the record shows
    who was responsible at any time.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="care_team")
    staff_member = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="care_assignments"
    )
    role = models.CharField(max_length=16, choices=CareTeamRole.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = CareTeamMemberQuerySet.as_manager()

    class Meta:
        ordering = ["role", "staff_member__user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "staff_member", "role"],
                condition=models.Q(ended_at__isnull=True),
                name="one_current_assignment_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff_member} ({self.get_role_display()})"
