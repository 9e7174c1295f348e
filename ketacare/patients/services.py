"""Writes to patient records. Each keeps history (who, when, why) and runs in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ketacare.accounts.emails import account_email_queue
from ketacare.accounts.models import Clinic, StaffMember, User
from ketacare.core.phases import Phase, PhaseError, check_move
from ketacare.lib.phones import phone_to_e164
from ketacare.patients.fields import EDITABLE_FIELDS
from ketacare.patients.models import PHONE_FIELDS, CareTeamMember, Patient, PhaseChange
from ketacare.patients.signals import phase_changed

DUPLICATE_MRN = "Another patient at this clinic already has this MRN."


def _next_mrn(clinic: Clinic) -> str:
    number = Patient.objects.filter(clinic=clinic).count() + 1
    while True:
        candidate = f"{clinic.mrn_prefix}-{number:06d}"
        if not Patient.objects.filter(clinic=clinic, mrn=candidate).exists():
            return candidate
        number += 1


def _clean_text(fields: dict[str, Any], *, clinic: Clinic) -> dict[str, Any]:
    """Trim text and put phone numbers in their stored form (E.164, read in the clinic's
    country), so the form and the API store the same value for the same number."""
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    errors: dict[str, list[str]] = {}
    for name in PHONE_FIELDS:
        if isinstance(cleaned.get(name), str):
            try:
                cleaned[name] = phone_to_e164(cleaned[name], region=clinic.country)
            except ValidationError as exc:
                errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def _save_patient(
    patient: Patient, *, by: User, reason: str, update_fields: list[str] | None
) -> None:
    patient.full_clean(validate_constraints=False)
    patient._history_user = by  # type: ignore[attr-defined]
    patient._change_reason = reason  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            patient.save(update_fields=update_fields)
    except IntegrityError as exc:
        # The unique constraint is the final word if two people save the same MRN at once.
        raise ValidationError({"mrn": DUPLICATE_MRN}) from exc


@transaction.atomic
def patient_create(
    *,
    clinic: Clinic,
    by: User,
    phase: str = Phase.REFERRED.value,
    now: dt.datetime | None = None,
    **fields: Any,
) -> Patient:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    fields = _clean_text(fields, clinic=clinic)
    if not fields.get("mrn"):
        fields["mrn"] = _next_mrn(clinic)
    if Patient.objects.filter(clinic=clinic, mrn=fields["mrn"]).exists():
        raise ValidationError({"mrn": DUPLICATE_MRN})
    try:
        initial_phase = Phase(phase)
    except ValueError as exc:
        raise ValidationError({"phase": f"Unknown phase {phase!r}."}) from exc
    patient = Patient(clinic=clinic, phase=initial_phase.value, **fields)
    _save_patient(patient, by=by, reason="registered", update_fields=None)
    PhaseChange.objects.create(
        patient=patient,
        from_phase="",
        to_phase=initial_phase.value,
        reason="Registered",
        changed_by=by,
        changed_at=now or timezone.now(),
    )
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, by: User, reason: str = "", **fields: Any) -> Patient:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    fields = _clean_text(fields, clinic=patient.clinic)
    if "mrn" in fields and not fields["mrn"]:
        raise ValidationError({"mrn": "The MRN cannot be empty."})
    changed = [name for name, value in fields.items() if getattr(patient, name) != value]
    if not changed:
        return patient
    if (
        "mrn" in changed
        and Patient.objects.filter(clinic_id=patient.clinic_id, mrn=fields["mrn"])
        .exclude(pk=patient.pk)
        .exists()
    ):
        raise ValidationError({"mrn": DUPLICATE_MRN})
    for name in changed:
        setattr(patient, name, fields[name])
    _save_patient(
        patient,
        by=by,
        reason=reason.strip() or "record edited",
        update_fields=[*changed, "updated_at"],
    )
    return patient


@transaction.atomic
def patient_phase_change(
    *, patient: Patient, to_phase: str, reason: str, by: User, now: dt.datetime | None = None
) -> PhaseChange:
    # Lock the row so two people moving the same patient at once cannot both succeed
    # from the same starting phase.
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    try:
        move = check_move(locked.phase, to_phase, reason=reason)
    except PhaseError as exc:
        raise ValidationError({"to_phase": str(exc)}) from exc
    locked.phase = move.to_phase.value
    locked._history_user = by  # type: ignore[attr-defined]
    locked._change_reason = f"phase: {move.reason}"  # type: ignore[attr-defined]
    locked.save(update_fields=["phase", "updated_at"])
    patient.phase = locked.phase
    change = PhaseChange.objects.create(
        patient=locked,
        from_phase=move.from_phase.value,
        to_phase=move.to_phase.value,
        reason=move.reason,
        changed_by=by,
        changed_at=now or timezone.now(),
    )
    # In this transaction: what follows from the move (check-ins cancelled on discharge)
    # is kept or undone with it.
    phase_changed.send(sender=Patient, patient=locked, change=change)
    return change


@transaction.atomic
def care_team_add(
    *, patient: Patient, staff_member: StaffMember, role: str, by: User
) -> CareTeamMember:
    if staff_member.clinic_id != patient.clinic_id:
        raise ValidationError({"staff_member": "Choose someone from this patient's clinic."})
    if not staff_member.is_active:
        raise ValidationError({"staff_member": "This staff member is no longer active."})
    if (
        CareTeamMember.objects.current()
        .filter(patient=patient, staff_member=staff_member, role=role)
        .exists()
    ):
        raise ValidationError({"staff_member": "Already on the care team in this role."})
    member = CareTeamMember(
        patient=patient, staff_member=staff_member, role=role, started_at=timezone.now()
    )
    member.full_clean(validate_constraints=False)
    member._history_user = by  # type: ignore[attr-defined]
    member._change_reason = "added to care team"  # type: ignore[attr-defined]
    member.save()
    return member


@transaction.atomic
def care_team_end(*, assignment: CareTeamMember, by: User) -> CareTeamMember:
    if assignment.ended_at is None:
        assignment.ended_at = timezone.now()
        assignment._history_user = by  # type: ignore[attr-defined]
        assignment._change_reason = "left care team"  # type: ignore[attr-defined]
        assignment.save(update_fields=["ended_at"])
    return assignment


def _queue_portal_invite(user: User, patient: Patient) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("portal:set_password", kwargs={"uidb64": uid, "token": token})
    context = {
        "patient": patient,
        "clinic": patient.clinic,
        "url": settings.SITE_URL.rstrip("/") + path,
    }
    # No clinical details in the message: only a greeting and a link.
    account_email_queue(
        to=user.email,
        subject=render_to_string("emails/portal-invite-subject.txt", context).strip(),
        body=render_to_string("emails/portal-invite-body.txt", context),
        ref=f"account:portal-invite:{user.pk}/",
        replaces_waiting=True,
    )


def _queue_kept_apart_email(email: str) -> None:
    account_email_queue(
        to=email,
        subject=render_to_string("emails/accounts-kept-apart-subject.txt", {}).strip(),
        body=render_to_string("emails/accounts-kept-apart-portal-body.txt", {}),
        ref="account:kept-apart",
    )


@transaction.atomic
def patient_portal_invite(*, patient: Patient, by: User) -> User | None:
    """Give the patient a portal account (or re-send the link) and email them a sign-in link.

    If the address already belongs to a patient account (here or at another clinic), no
    portal account is linked and None comes back, but the caller answers as for any
    invitation: saying "taken" would tell this clinic that the address is someone's patient
    account somewhere. The address's owner gets a short email instead.
    """
    if not patient.email:
        raise ValidationError({"email": "Add the patient's email address first."})
    user = patient.portal_user
    if user is None:
        owner = User.objects.filter(email__iexact=patient.email).first()
        if owner is not None and owner.is_patient_user:
            _queue_kept_apart_email(owner.email)
            return None
        if owner is not None:
            raise ValidationError(
                {"email": "This email address already belongs to another account."}
            )
        user = User.objects.create_user(email=patient.email, full_name=patient.legal_name)
        patient.portal_user = user
        patient._history_user = by  # type: ignore[attr-defined]
        patient._change_reason = "portal account created"  # type: ignore[attr-defined]
        patient.save(update_fields=["portal_user", "updated_at"])
    _queue_portal_invite(user, patient)
    return user
