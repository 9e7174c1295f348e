from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from ketacare.accounts.permissions import Action
from ketacare.api.patients import ERRORS, _acting, _patient, _require_object
from ketacare.core import instruments
from ketacare.measures import services
from ketacare.measures.models import Context, Response, Source

router = Router(tags=["questionnaires"])


class OptionOut(Schema):
    value: int
    label: str
    loinc: str | None


class ItemOut(Schema):
    code: str
    text: str
    loinc: str | None
    scored: bool
    required: bool
    options: list[OptionOut]


class InstrumentOut(Schema):
    code: str
    name: str
    version: str
    rater: str
    recall: str
    max_total: int | None
    loinc_panel: str | None
    loinc_total: str | None
    licence: str
    source: str
    items: list[ItemOut]


def _instrument_out(i: instruments.Instrument) -> InstrumentOut:
    return InstrumentOut(
        code=i.code,
        name=i.name,
        version=i.version,
        rater=i.rater.value,
        recall=i.recall,
        max_total=i.max_total if i.code != "cssrs" else None,
        loinc_panel=i.loinc_panel,
        loinc_total=i.loinc_total,
        licence=i.licence,
        source=i.source,
        items=[
            ItemOut(
                code=it.code,
                text=it.text,
                loinc=it.loinc,
                scored=it.scored,
                required=it.required,
                options=[
                    OptionOut(value=o.value, label=o.label, loinc=o.loinc) for o in it.options
                ],
            )
            for it in i.items
        ],
    )


@router.get("/instruments", response={200: list[InstrumentOut], **ERRORS})
def list_instruments(request: HttpRequest) -> Any:
    return [_instrument_out(i) for i in instruments.REGISTRY.values()]


class FlagOut(Schema):
    code: str
    severity: str
    message: str
    item: str | None


class ResponseOut(Schema):
    id: int
    instrument: str
    version: str
    answers: dict[str, int]
    total: int | None
    band: str
    risk: str
    flags: list[FlagOut]
    context: str
    source: str
    collected_at: dt.datetime


class ResponseIn(Schema):
    instrument: str = Field(description="An instrument code from /instruments, e.g. gad7")
    answers: dict[str, int] = Field(description="Answer per item code, e.g. {'1': 2, '2': 0}")
    context: Context = Context.AD_HOC
    collected_at: dt.datetime | None = Field(None, description="Defaults to now; not in the future")


class ResponseCreated(ResponseOut):
    alerts: list[str]


class ResponseFilters(Schema):
    instrument: str | None = None
    limit: int = Field(100, ge=1, le=500)


def _out(r: Response) -> ResponseOut:
    return ResponseOut.model_validate(r, from_attributes=True)


@router.get("/patients/{patient_id}/responses", response={200: list[ResponseOut], **ERRORS})
def list_responses(request: HttpRequest, patient_id: int, filters: Query[ResponseFilters]) -> Any:
    patient = _patient(request, patient_id, Action.CHART_READ, read=True)
    qs = Response.objects.filter(patient=patient)
    if filters.instrument:
        qs = qs.filter(instrument=filters.instrument)
    return [_out(r) for r in qs[: filters.limit]]


@router.post("/patients/{patient_id}/responses", response={201: ResponseCreated, **ERRORS})
def submit_response(request: HttpRequest, patient_id: int, payload: ResponseIn) -> Any:
    _require_object(request)
    patient = _patient(request, patient_id, Action.QUESTIONNAIRE_ENTER)
    try:
        instruments.get(payload.instrument)
    except instruments.InstrumentError as exc:
        raise ValidationError({"instrument": exc.message}) from exc
    collected_at = payload.collected_at or timezone.now()
    if collected_at.tzinfo is None:
        raise ValidationError({"collected_at": "Give a time zone (e.g. Z or +01:00)."})
    if collected_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"collected_at": "This is in the future."})
    response, alerts = services.response_record(
        patient=patient,
        instrument=payload.instrument,
        answers=payload.answers,
        context=payload.context,
        source=Source.IMPORT,
        collected_at=collected_at,
        by=_acting(request, Action.QUESTIONNAIRE_ENTER).user,
    )
    return Status(
        201, ResponseCreated(**_out(response).model_dump(), alerts=[a.title for a in alerts])
    )
