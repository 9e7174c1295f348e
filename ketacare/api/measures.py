from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StrictInt

from ketacare.accounts.permissions import Action
from ketacare.api.patients import ERRORS, _acting, _patient
from ketacare.api.schemas import RecordId
from ketacare.audit.models import AccessAction
from ketacare.audit.services import access_record
from ketacare.core import instruments
from ketacare.core.clinical_time import clinical_time_problem
from ketacare.core.instruments.change import Change
from ketacare.core.reference_points import Reference, Standing
from ketacare.measures import selectors, services
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


class ReferenceOut(Schema):
    """A score read against a reference point (core.reference_points)."""

    response_id: int
    total: int
    collected_at: dt.datetime
    kind: str = Field(description="Which score this is, e.g. 'last score before treatment started'")
    change: int | None = Field(description="This score minus the reference; positive is worse")
    reliable_change: str | None = Field(
        description="'improved', 'worsened' or 'no reliable change' (Jacobson-Truax)"
    )


class ResponseListed(ResponseOut):
    baseline: ReferenceOut | None = Field(
        description="The score that starts treatment; null for instruments without a change rule"
    )
    best: ReferenceOut | None = Field(
        description="The best score since treatment started, before this one"
    )
    relapse_from_best: bool = Field(description="A reliable worsening from the best")


def _reference(ref: Reference | None, change: Change | None) -> ReferenceOut | None:
    if ref is None:
        return None
    return ReferenceOut(
        response_id=ref.point.seq,
        total=ref.point.total,
        collected_at=ref.point.at,
        kind=str(ref.kind),
        change=change.delta if change else None,
        reliable_change=str(change.direction) if change else None,
    )


def _listed(r: Response, standing: Standing | None) -> ResponseListed:
    return ResponseListed(
        **_out(r).model_dump(),
        baseline=_reference(standing.baseline, standing.from_baseline) if standing else None,
        best=_reference(standing.best, standing.from_best) if standing else None,
        relapse_from_best=standing.relapse_from_best if standing else False,
    )


class ResponseIn(Schema):
    instrument: str = Field(description="An instrument code from /instruments, e.g. gad7")
    # Strict: `true` or "2" is not an answer (the same rule as FHIR and the core's validate).
    answers: dict[str, StrictInt] = Field(
        description="Answer per item code, whole numbers, e.g. {'1': 2, '2': 0}"
    )
    context: Context = Context.AD_HOC
    collected_at: dt.datetime | None = Field(
        None,
        description="Defaults to now. With a time zone; not in the future (beyond five "
        "minutes of clock skew), not before the patient's birth, not before 1901.",
    )


class ResponseCreated(ResponseOut):
    alerts: list[str]


class ResponseFilters(Schema):
    instrument: str | None = None
    limit: int = Field(100, ge=1, le=500)


def _out(r: Response) -> ResponseOut:
    return ResponseOut.model_validate(r, from_attributes=True)


@router.get("/patients/{patient_id}/responses", response={200: list[ResponseListed], **ERRORS})
def list_responses(
    request: HttpRequest, patient_id: RecordId, filters: Query[ResponseFilters]
) -> Any:
    patient = _patient(request, patient_id, Action.CHART_READ, read=True)
    qs = Response.objects.filter(patient=patient)
    if filters.instrument:
        qs = qs.filter(instrument=filters.instrument)
    by_response = selectors.standings_by_response(patient)
    return [_listed(r, by_response.get(r.pk)) for r in qs[: filters.limit]]


@router.post("/patients/{patient_id}/responses", response={201: ResponseCreated, **ERRORS})
def submit_response(request: HttpRequest, patient_id: RecordId, payload: ResponseIn) -> Any:
    patient = _patient(request, patient_id, Action.QUESTIONNAIRE_ENTER)
    try:
        instruments.get(payload.instrument)
    except instruments.InstrumentError as exc:
        raise ValidationError({"instrument": exc.message}) from exc
    now = timezone.now()
    collected_at = payload.collected_at or now
    problem = clinical_time_problem(collected_at, now=now, born=patient.birth_date)
    if problem:
        raise ValidationError({"collected_at": problem})
    response, alerts = services.response_record(
        patient=patient,
        instrument=payload.instrument,
        answers=payload.answers,
        context=payload.context,
        source=Source.IMPORT,
        collected_at=collected_at,
        by=_acting(request, Action.QUESTIONNAIRE_ENTER).user,
    )
    access_record(
        actor=_acting(request, Action.QUESTIONNAIRE_ENTER).user,
        patients=[patient],
        action=AccessAction.API_WRITE,
        request=request,
    )
    return Status(
        201, ResponseCreated(**_out(response).model_dump(), alerts=[a.title for a in alerts])
    )
