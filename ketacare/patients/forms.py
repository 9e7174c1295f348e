from __future__ import annotations

from typing import Any

from django import forms

from ketacare.accounts.models import Clinic, StaffMember
from ketacare.accounts.permissions import can_move_to
from ketacare.core.phases import allowed_next
from ketacare.lib.forms import IsoDateInput
from ketacare.lib.phones import phone_to_e164
from ketacare.patients.fields import EDITABLE_FIELDS
from ketacare.patients.models import PHASE_CHOICES, CareTeamRole, Patient, SexAtBirth


class PatientForm(forms.ModelForm[Patient]):
    reason = forms.CharField(
        required=False,
        max_length=300,
        help_text="Why you are changing the record (kept in the audit trail).",
    )

    class Meta:
        model = Patient
        fields = list(EDITABLE_FIELDS)
        widgets = {
            # A date input reads and writes ISO dates only; the locale's 09/09/1998 would
            # show as empty and fail as "required" on an unchanged save.
            "birth_date": IsoDateInput(),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel"}),
            "support_phone": forms.TextInput(attrs={"type": "tel"}),
        }
        help_texts = {
            "mrn": "Leave empty to assign the next number.",
            "preferred_name": "What the patient likes to be called.",
            "phone": "With its country code, or as dialled in the clinic's country.",
            "support_phone": "With its country code, or as dialled in the clinic's country.",
        }

    def __init__(self, *args: Any, clinic: Clinic, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["mrn"].required = not creating
        # Optional in every form and in the API alike: no score or rule uses it, and many
        # referrals do not say; left empty it is stored as "Not recorded".
        sex = self.fields["sex_at_birth"]
        sex.required = False
        sex.help_text = "Optional."
        if creating:
            del self.fields["reason"]

    def clean_sex_at_birth(self) -> str:
        return self.cleaned_data["sex_at_birth"] or SexAtBirth.UNKNOWN

    # The service applies the same rule again; checking here too shows every error at once.
    def clean_phone(self) -> str:
        return phone_to_e164(self.cleaned_data["phone"], region=self.clinic.country)

    def clean_support_phone(self) -> str:
        return phone_to_e164(self.cleaned_data["support_phone"], region=self.clinic.country)

    def _post_clean(self) -> None:
        # Model validation (including MRN uniqueness) runs in the service, which owns
        # the clinic and the final word; the form only checks field formats.
        pass


class PhaseChangeForm(forms.Form):
    to_phase = forms.ChoiceField(label="Move to")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def __init__(self, *args: Any, current: str, member: StaffMember, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_phase"]
        assert isinstance(field, forms.ChoiceField)
        # Only the moves this person may make, and none chosen for them.
        moves = [(p.value, p.label) for p in allowed_next(current) if can_move_to(member, p)]
        field.choices = [("", "Choose a phase…"), *moves] if moves else []


class CareTeamAddForm(forms.Form):
    staff_member = forms.ModelChoiceField(queryset=StaffMember.objects.none(), label="Staff member")
    role = forms.ChoiceField(choices=CareTeamRole.choices)

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["staff_member"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = StaffMember.objects.active().filter(clinic=clinic).select_related("user")


class PatientFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100)
    phase = forms.ChoiceField(required=False, choices=[("", "All phases"), *PHASE_CHOICES])
    team_member = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Care team member"
    )
    SORT_CHOICES = (
        ("attention", "Needs attention first"),
        ("name", "Name A–Z"),
        ("-name", "Name Z–A"),
        ("mrn", "MRN"),
        ("phase", "Phase"),
        ("updated", "Recently updated"),
        ("birth_date", "Oldest first"),
    )
    SORT_VALUES = frozenset(value for value, _ in SORT_CHOICES)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = StaffMember.objects.active().filter(clinic=clinic).select_related("user")
        team = self.fields["team_member"]
        assert isinstance(team, forms.ChoiceField)
        team.choices = [("", "Anyone"), *[(m.pk, str(m)) for m in staff]]


__all__ = ["CareTeamAddForm", "PatientFilterForm", "PatientForm", "PhaseChangeForm"]
