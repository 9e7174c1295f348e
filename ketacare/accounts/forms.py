from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from ketacare.accounts.clinic_settings import MINIMUM_AGE_YEARS, ClinicalSettings
from ketacare.accounts.emails import account_email_queue
from ketacare.accounts.models import WEEKDAYS, Role
from ketacare.lib.phones import region_choices


class EmailLoginForm(AuthenticationForm):
    """Sign-in by email. Addresses are stored in lower case, so the typed one is matched
    whatever its case; Django's default error ("both fields may be case-sensitive") would
    mislead, as only the password is."""

    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That email address and password do not match an account. Check both and try "
            "again; the password must match exactly, capital letters included."
        ),
    }

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()


class StaffLoginForm(EmailLoginForm):
    """Staff sign-in. Patient accounts are refused here: they use the portal."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if user.is_patient_user:
            raise ValidationError(
                "This is the staff sign-in. Patients sign in on the patient portal.",
                code="patient_account",
            )


class PortalLoginForm(EmailLoginForm):
    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not user.is_patient_user:
            raise ValidationError(
                "This sign-in is for patients. Clinic staff use the staff sign-in.",
                code="staff_account",
            )


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the email is queued: a mail server that is down gives
    neither a 500 nor a hint that the address has an account."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        account_email_queue(
            to=to_email,
            subject=subject,
            body=render_to_string(email_template_name, context),
            ref=f"account:password-reset:{context['user'].pk}/",
        )


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Role.choices, **kwargs)


class StaffInviteForm(forms.Form):
    full_name = forms.CharField(max_length=200)
    email = forms.EmailField()
    title = forms.CharField(max_length=80, required=False, help_text="e.g. RN, MD, LCSW")
    roles = RolesField(error_messages={"required": "Choose at least one role."})


class StaffEditForm(forms.Form):
    title = forms.CharField(max_length=80, required=False)
    roles = RolesField(error_messages={"required": "Choose at least one role."})
    is_active = forms.BooleanField(
        required=False,
        label="Active member of this clinic",
        help_text="Untick when someone leaves: they lose access at once; their records stay.",
    )


TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]


class ClinicSettingsForm(forms.Form):
    name = forms.CharField(max_length=200)
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES)
    open_days = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one opening day."},
    )
    country = forms.ChoiceField(
        choices=[("", "Not set: numbers need their country code"), *region_choices()],
        required=False,
        help_text="Phone numbers typed without a country code are read as numbers here.",
    )
    phone = forms.CharField(
        max_length=40,
        required=False,
        label="Clinic phone",
        help_text="Shown to patients in crisis messages; stored with its country code.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    minimum_age_years = forms.IntegerField(
        label="Minimum age at registration (years)",
        required=False,
        min_value=MINIMUM_AGE_YEARS.low,
        max_value=MINIMUM_AGE_YEARS.high,
        help_text=(
            "Patients younger than this are not registered, on this site, in the API and in "
            "FHIR imports. Empty means our default, 18: a clinic policy, not a guideline figure."
        ),
        error_messages={
            "invalid": "Enter a whole number of years.",
            "min_value": MINIMUM_AGE_YEARS.message,
            "max_value": MINIMUM_AGE_YEARS.message,
        },
    )

    def clean_minimum_age_years(self) -> int:
        value = self.cleaned_data["minimum_age_years"]
        return ClinicalSettings().minimum_age_years if value is None else int(value)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What the token is for, e.g. 'EHR import script'."
    )


class TotpCodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\s*\d{6}\s*$",
        label="6-digit code",
        error_messages={"invalid": "Enter the 6 digits shown in your authenticator app."},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()


class SecondFactorForm(forms.Form):
    """At sign-in: the app's 6-digit code, or one of the 8-character recovery codes."""

    code = forms.RegexField(
        regex=r"^\s*(\d{6}|[A-Za-z2-7]{8})\s*$",
        label="Code",
        help_text="The 6 digits from your authenticator app, or one of your recovery codes.",
        error_messages={
            "invalid": "Enter the 6 digits from your app, or an 8-character recovery code."
        },
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().lower()


class ClinicCrisisLinesForm(forms.Form):
    """What the clinic's patients see on every page when they may be in danger.

    The rules for each value are the model's validators (run by the service), so the form,
    the admin and any import share one rule.
    """

    emergency_number = forms.CharField(
        max_length=6,
        required=False,
        label="Emergency number",
        help_text="What patients dial for an ambulance, e.g. 911 (US), 112 (EU), 999 (UK).",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    crisis_line_name = forms.CharField(
        max_length=80,
        required=False,
        label="Crisis line",
        help_text="e.g. 988 Suicide & Crisis Lifeline",
    )
    crisis_line_number = forms.CharField(
        max_length=24,
        required=False,
        label="Crisis line number",
        help_text="As it is dialled, e.g. 988 or +44 116 123.",
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    crisis_line_note = forms.CharField(
        max_length=120,
        required=False,
        label="Short note",
        help_text="e.g. Call or text, any time, free.",
    )
