from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import BeforeValidator, Field

from ketacare.patients.models import Patient

# The largest id a database integer column holds (signed 64-bit, both databases).
MAX_ID = 2**63 - 1


def _plain_digits(value: Any) -> Any:
    """Refuse ids Python's int() would take but no record has: "١٢", "+1", "1_0", " 1"."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("An id is written with the digits 0-9 only.")
    if isinstance(value, str) and len(value) > len(str(MAX_ID)):
        raise ValueError("No record has an id this large.")
    return value


RecordId = Annotated[int, BeforeValidator(_plain_digits), Field(ge=1, le=MAX_ID)]

Sex = Literal["female", "male", "intersex", "unknown"]
Channel = Literal["email", "sms", "phone"]
PhaseName = Literal["referred", "evaluation", "induction", "maintenance", "paused", "discharged"]


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


class CareTeamOut(Schema):
    staff_member_id: int
    name: str
    role: str


class PatientOut(Schema):
    id: int
    mrn: str
    given_name: str
    family_name: str
    preferred_name: str
    birth_date: dt.date
    sex_at_birth: str
    gender_identity: str
    pronouns: str
    email: str
    phone: str
    preferred_contact: str
    support_name: str
    support_relationship: str
    support_phone: str
    phase: str
    updated_at: dt.datetime

    @staticmethod
    def from_model(patient: Patient) -> PatientOut:
        return PatientOut.model_validate(patient, from_attributes=True)


class PatientDetailOut(PatientOut):
    care_team: list[CareTeamOut]


class PatientPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PatientOut]


class PatientCreate(Schema):
    mrn: str = Field("", max_length=32, description="Leave empty to assign the next number.")
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    preferred_name: str = Field("", max_length=100)
    birth_date: dt.date
    sex_at_birth: Sex = "unknown"
    gender_identity: str = Field("", max_length=60)
    pronouns: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)
    preferred_contact: Channel = "email"
    support_name: str = Field("", max_length=150)
    support_relationship: str = Field("", max_length=60)
    support_phone: str = Field("", max_length=30)
    phase: PhaseName = "referred"


class PatientUpdate(Schema):
    mrn: str | None = Field(None, min_length=1, max_length=32)
    given_name: str | None = Field(None, min_length=1, max_length=100)
    family_name: str | None = Field(None, min_length=1, max_length=100)
    preferred_name: str | None = Field(None, max_length=100)
    birth_date: dt.date | None = None
    sex_at_birth: Sex | None = None
    gender_identity: str | None = Field(None, max_length=60)
    pronouns: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=30)
    preferred_contact: Channel | None = None
    support_name: str | None = Field(None, max_length=150)
    support_relationship: str | None = Field(None, max_length=60)
    support_phone: str | None = Field(None, max_length=30)
    reason: str = Field("", max_length=300, description="Why the record changes (audit trail).")
