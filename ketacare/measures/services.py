"""Writes for responses. Scoring is ketacare.core.instruments' job; safety flags become
alerts in the same transaction as the response that raised them (through `hooks`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.core import instruments
from ketacare.core.clinical_time import clinical_time_problem
from ketacare.core.instruments.base import InstrumentError, Score
from ketacare.measures import hooks
from ketacare.measures.hooks import RaisedSignal
from ketacare.measures.models import Amendment, Response
from ketacare.patients.models import Patient

if TYPE_CHECKING:  # check-ins are a layer above; a response only keeps the reference
    from ketacare.checkins.models import CheckIn


def _score(instrument: str, answers: Mapping[str, object]) -> Score:
    try:
        return instruments.score(instrument, answers)
    except InstrumentError as exc:
        field = f"{instrument}.{exc.item}" if exc.item else instrument
        raise ValidationError({field: exc.message}) from exc


def visible_answers(instrument: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Drop answers to questions the skip logic no longer asks (e.g. C-SSRS 3-5)."""
    definition = instruments.get(instrument)
    ints = {k: v for k, v in answers.items() if isinstance(v, int)}
    shown = {item.code for item in definition.visible_items(ints)}
    return {k: v for k, v in answers.items() if k in shown}


@transaction.atomic
def response_record(
    *,
    patient: Patient,
    instrument: str,
    answers: Mapping[str, object],
    context: str,
    source: str,
    collected_at: dt.datetime,
    by: User | None = None,
    checkin: CheckIn | None = None,
    external_id: str = "",
) -> tuple[Response, list[RaisedSignal]]:
    """Score and store one questionnaire; raise alerts for its flags at once.

    The time it was answered is checked here, so forms, the JSON API and FHIR share one
    rule for when an answer can have been given.
    """
    problem = clinical_time_problem(collected_at, now=timezone.now(), born=patient.birth_date)
    if problem:
        raise ValidationError({"collected_at": problem})
    score = _score(instrument, answers)
    response = Response(
        patient=patient,
        instrument=instrument,
        version=score.version,
        answers=dict(score.answers),
        total=score.total,
        band=score.band or "",
        risk=score.risk or "",
        flags=[
            {"code": f.code, "severity": f.severity.value, "message": f.message, "item": f.item}
            for f in score.flags
        ],
        context=context,
        source=source,
        collected_at=collected_at,
        collected_by=by,
        checkin=checkin,
        external_id=external_id,
    )
    response.full_clean(exclude=["checkin"])
    response._history_user = by  # type: ignore[attr-defined]
    response._change_reason = f"recorded ({source})"  # type: ignore[attr-defined]
    response.save()
    alerts = hooks.flags_raise(
        patient=patient,
        flags=score.flags,
        response=response,
        now=timezone.now(),
        evidence={
            "instrument": instrument,
            "response": response.pk,
            "total": score.total,
            "risk": score.risk,
            "collected_at": collected_at.isoformat(),
        },
    )
    return response, alerts


@transaction.atomic
def response_amend(
    *, response: Response, answers: Mapping[str, object], reason: str, by: User
) -> Response:
    """Correct a stored response; the old answers are kept in an Amendment and in history."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the answers are being corrected."})
    score = _score(response.instrument, answers)
    Amendment.objects.create(
        response=response,
        answers_before=response.answers,
        answers_after=dict(score.answers),
        total_before=response.total,
        total_after=score.total,
        reason=reason.strip(),
        amended_by=by,
        amended_at=timezone.now(),
    )
    response.answers = dict(score.answers)
    response.total = score.total
    response.band = score.band or ""
    response.risk = score.risk or ""
    response._history_user = by  # type: ignore[attr-defined]
    response._change_reason = f"amended: {reason.strip()}"  # type: ignore[attr-defined]
    response.save(update_fields=["answers", "total", "band", "risk"])
    new_flags = [f for f in score.flags if f.code not in {x["code"] for x in response.flags}]
    hooks.flags_raise(
        patient=response.patient,
        flags=new_flags,
        response=response,
        now=timezone.now(),
        evidence={"instrument": response.instrument, "response": response.pk, "amended": True},
    )
    return response
