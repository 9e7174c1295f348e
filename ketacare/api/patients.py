from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from ketacare.accounts.models import ApiToken, StaffMember
from ketacare.accounts.permissions import Action, require, require_move_to
from ketacare.api.schemas import (
    CareTeamOut,
    ErrorOut,
    PatientCreate,
    PatientDetailOut,
    PatientOut,
    PatientPage,
    PatientUpdate,
    PhaseName,
    RecordId,
)
from ketacare.audit.models import AccessAction
from ketacare.audit.services import access_record
from ketacare.core.phases import Phase
from ketacare.patients import selectors, services
from ketacare.patients.access import patient_for_member, patients_for_staff
from ketacare.patients.models import Patient

router = Router(tags=["patients"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class PatientFilters(Schema):
    q: str = Field("", max_length=100, description="Name or MRN")
    phase: PhaseName | None = None
    limit: int = Field(50, ge=1, le=200)
    # Bounded: a database integer overflows at 2**63, which must be a 422, not a 500.
    offset: int = Field(0, ge=0, le=1_000_000_000)


def _acting(request: HttpRequest, action: Action) -> StaffMember:
    """Return the membership the request's token acts for (set by TokenAuth), refusing
    (403 with the reason) an action its roles do not allow: a token acts as its owner."""
    token = request.auth  # type: ignore[attr-defined]
    assert isinstance(token, ApiToken)
    require(token.staff_member, action)
    return token.staff_member


def _patient(
    request: HttpRequest, patient_id: int, action: Action, *, read: bool = False
) -> Patient:
    """The token's patient; `read=True` when the answer shows their data (logged)."""
    member = _acting(request, action)
    return patient_for_member(member, patient_id, request=request if read else None)


def _detail(patient: Patient) -> PatientDetailOut:
    team = [
        CareTeamOut(
            staff_member_id=m.staff_member_id, name=m.staff_member.user.full_name, role=m.role
        )
        for m in selectors.care_team_current(patient)
    ]
    return PatientDetailOut(**PatientOut.from_model(patient).model_dump(), care_team=team)


@router.get("", response={200: PatientPage, **ERRORS})
def list_patients(request: HttpRequest, filters: Query[PatientFilters]) -> Any:
    member = _acting(request, Action.CHART_READ)
    qs = selectors.patient_list(
        patients_for_staff(member.user, clinic_id=member.clinic_id),
        q=filters.q,
        phase=filters.phase or "",
    )
    count = qs.count()
    items = list(qs[filters.offset : filters.offset + filters.limit])
    access_record(actor=member.user, patients=items, action=AccessAction.API_READ, request=request)
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [PatientOut.from_model(p) for p in items],
    }


@router.get("/{patient_id}", response={200: PatientDetailOut, **ERRORS})
def get_patient(request: HttpRequest, patient_id: RecordId) -> Any:
    return _detail(_patient(request, patient_id, Action.CHART_READ, read=True))


@router.post("", response={201: PatientDetailOut, **ERRORS})
def create_patient(request: HttpRequest, payload: PatientCreate) -> Any:
    member = _acting(request, Action.PATIENT_REGISTER)
    data = payload.model_dump()
    phase = data.pop("phase")
    if phase != Phase.REFERRED:
        require_move_to(member, phase)  # registering into induction is the eligibility decision
    patient = services.patient_create(clinic=member.clinic, by=member.user, phase=phase, **data)
    access_record(
        actor=member.user, patients=[patient], action=AccessAction.API_WRITE, request=request
    )
    return Status(201, _detail(patient))


@router.patch("/{patient_id}", response={200: PatientDetailOut, **ERRORS})
def update_patient(request: HttpRequest, patient_id: RecordId, payload: PatientUpdate) -> Any:
    patient = _patient(request, patient_id, Action.PATIENT_EDIT)
    data = payload.model_dump(exclude_unset=True)
    reason = data.pop("reason", "") or "updated through the API"
    data = {k: v for k, v in data.items() if v is not None}
    by = _acting(request, Action.PATIENT_EDIT).user
    services.patient_update(patient=patient, by=by, reason=reason, **data)
    access_record(actor=by, patients=[patient], action=AccessAction.API_WRITE, request=request)
    return _detail(patient)
