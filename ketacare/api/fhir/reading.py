"""Read a QuestionnaireResponse sent by another system, strictly.

Open about how a sender names things: a LOINC-coded GAD-7 or PHQ-9 is recognised by its
panel or item codes whatever its questionnaire canonical, and linkIds may carry the leading
`/` that LHC-Forms and US Core use. Strict about what it says: an item given twice, several
answers to one question, a value of the wrong JSON type or out of range, or an item we do
not know is refused, with an `expression` naming the place, because keeping one of two
answers could hide a safety signal (PHQ-9 item 9).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.dateparse import parse_datetime
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError as PydanticValidationError

from ketacare.api.fhir.resources import LOINC, canonical, fhir_id, link_id, local_system
from ketacare.core import instruments
from ketacare.core.instruments.base import Instrument, Item

IMPORTABLE = ("gad7", "phq9")
ROOT = "QuestionnaireResponse"
# Our patient ids: ASCII digits that fit a 64-bit key ("١٢" is not 12, and 5,000 digits
# are not an id).
PATIENT_ID = re.compile(r"[0-9]{1,18}", re.ASCII)
MAX_IDENTIFIER = 200  # Response.external_id


class Refused(ValueError):
    """Why an incoming resource cannot be stored, and where (a FHIRPath expression)."""

    def __init__(self, message: str, expression: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.expression = expression
        self.code = code


@dataclass(frozen=True)
class Imported:
    instrument: Instrument
    answers: dict[str, int]
    authored: dt.datetime
    subject: str  # the reference as sent
    patient_id: int | None  # None when the reference is not one of our patient ids
    identifier: str  # the key stored: "system|value", the value alone, or ""
    identifier_system: str = ""
    identifier_value: str = ""


def identifier_key(system: str | None, value: str) -> str:
    return f"{system}|{value}" if system else value


def _fhirpath(loc: tuple[Any, ...]) -> str:
    """pydantic's ('item', 0, 'answer', 1, 'valueInteger') as item[0].answer[1].valueInteger."""
    path = ROOT
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _check_shape(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or data.get("resourceType") != ROOT:
        raise Refused("The body must be a FHIR QuestionnaireResponse.", "resourceType")
    try:
        QuestionnaireResponse.model_validate(data)
    except PydanticValidationError as exc:  # report its first problem
        first = exc.errors()[0]
        raise Refused(
            f"Not a valid QuestionnaireResponse: {first.get('msg')}",
            _fhirpath(tuple(first.get("loc", ()))),
            code="structure",
        ) from exc
    except (ValueError, TypeError, RecursionError) as exc:  # a model that gave up otherwise
        raise Refused("Not a valid QuestionnaireResponse.", ROOT, code="structure") from exc
    return data


def _authored(data: dict[str, Any]) -> dt.datetime:
    where = f"{ROOT}.authored"
    raw = data.get("authored")
    if not raw:
        raise Refused("'authored' (when it was answered) is required.", where, code="required")
    try:
        when = parse_datetime(str(raw))
    except (ValueError, OverflowError):
        when = None
    if when is None or when.tzinfo is None:
        raise Refused("'authored' must be a date and time with a time zone.", where)
    return when


def _subject(data: dict[str, Any]) -> tuple[str, int | None]:
    reference = str((data.get("subject") or {}).get("reference") or "")
    if not reference.startswith("Patient/"):
        raise Refused("'subject' must reference Patient/<id>.", f"{ROOT}.subject")
    found = PATIENT_ID.fullmatch(reference.removeprefix("Patient/"))
    return reference, int(found.group(0)) if found else None


def _identifier(data: dict[str, Any]) -> tuple[str, str]:
    identifier = data.get("identifier") or {}
    system, value = str(identifier.get("system") or ""), str(identifier.get("value") or "")
    if len(identifier_key(system, value)) > MAX_IDENTIFIER:
        raise Refused(
            f"The identifier is longer than {MAX_IDENTIFIER} characters.", f"{ROOT}.identifier"
        )
    return (system, value) if value else ("", "")


# --- which instrument, which item -----------------------------------------------------------


def _code_of(link: str) -> tuple[str, tuple[str, ...]]:
    """'/44249-1/44250-9' -> ('44250-9', ('44249-1',)); a leading '/' is optional."""
    parts = (link[1:] if link.startswith("/") else link).split("/")
    return parts[-1], tuple(parts[:-1])


def _walk(items: list[dict[str, Any]], path: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every item, nested ones too (under items and under answers), with its FHIRPath."""
    for n, item in enumerate(items):
        here = f"{path}.item[{n}]"
        yield item, here
        yield from _walk(item.get("item") or [], here)
        for a, answer in enumerate(item.get("answer") or []):
            yield from _walk(answer.get("item") or [], f"{here}.answer[{a}]")


def _identifying_codes(instrument: Instrument) -> set[str]:
    """Codes only this instrument uses (not the difficulty item, which others share)."""
    scored = {i.loinc for i in instrument.items if i.loinc and i.scored}
    return scored | {c for c in (instrument.loinc_panel, instrument.loinc_total) if c}


def _instrument_for(data: dict[str, Any]) -> Instrument:
    ref = str(data.get("questionnaire") or "")
    candidates = [instruments.get(code) for code in IMPORTABLE]
    for inst in candidates:
        if ref in (canonical(inst), f"Questionnaire/{fhir_id(inst)}", inst.code) or (
            inst.loinc_panel and inst.loinc_panel in ref
        ):
            return inst
    codes: set[str] = set()
    for item, _ in _walk(data.get("item") or [], ROOT):
        code, parents = _code_of(str(item.get("linkId", "")))
        codes |= {code, *parents}
    found = [inst for inst in candidates if _identifying_codes(inst) & codes]
    if len(found) == 1:
        return found[0]
    raise Refused(
        "Only LOINC-coded GAD-7 (69737-5) or PHQ-9 (44249-1) responses can be imported, "
        "recognised by the questionnaire or by their LOINC item codes as linkIds; "
        f"this one could not be recognised ('questionnaire' was {ref!r}).",
        f"{ROOT}.questionnaire",
        code="not-supported",
    )


def _value(instrument: Instrument, item: Item, answer: dict[str, Any], where: str) -> int:
    allowed = [o.value for o in item.options]
    if "valueInteger" in answer:
        value = answer["valueInteger"]
        if type(value) is not int:  # JSON true is not 1
            raise Refused(
                f"Item {link_id(item)} needs a whole number, not {value!r}.",
                f"{where}.valueInteger",
            )
        if value not in allowed:
            raise Refused(
                f"Item {link_id(item)} must be one of {allowed}, not {value}.",
                f"{where}.valueInteger",
                code="value",
            )
        return value
    if "valueCoding" in answer:
        coding = answer["valueCoding"] or {}
        system, code = coding.get("system"), coding.get("code")
        for option in item.options:
            if option.loinc and code == option.loinc and system in (None, LOINC):
                return option.value
            if system == local_system(instrument) and code == str(option.value):
                return option.value
        raise Refused(
            f"Item {link_id(item)}: unknown answer code {code!r} (system {system!r}).",
            f"{where}.valueCoding",
            code="code-invalid",
        )
    kind = next((k for k in answer if k.startswith("value")), "no value")
    raise Refused(
        f"Item {link_id(item)} takes valueCoding (a LOINC answer) or valueInteger, not {kind}.",
        where,
    )


def _answers(instrument: Instrument, data: dict[str, Any]) -> dict[str, int]:
    by_code = {link_id(i): i for i in instrument.items} | {i.code: i for i in instrument.items}
    groups = {instrument.loinc_panel} - {None}
    totals = {instrument.loinc_total, "total"} - {None}
    answers: dict[str, int] = {}
    given_at: dict[str, str] = {}
    for item, where in _walk(data.get("item") or [], ROOT):
        code, parents = _code_of(str(item.get("linkId", "")))
        given = item.get("answer") or []
        if set(parents) - groups:
            raise Refused(f"Unknown item linkId {item.get('linkId')!r}.", f"{where}.linkId")
        if code in totals:
            continue  # the total is recomputed here, never trusted
        if code in groups:
            if given:
                raise Refused(f"The group {code} cannot have an answer.", f"{where}.answer[0]")
            continue
        question = by_code.get(code)
        if question is None:
            raise Refused(
                f"Unknown item linkId {item.get('linkId')!r} for {instrument.name}.",
                f"{where}.linkId",
            )
        if question.code in given_at:
            raise Refused(
                f"Item {link_id(question)} is given twice (first at {given_at[question.code]}); "
                "each question is answered once.",
                where,
            )
        given_at[question.code] = where
        if not given:
            continue  # unanswered; scoring says whether it was required
        if len(given) > 1:
            raise Refused(
                f"Item {link_id(question)} has {len(given)} answers; it takes one.",
                f"{where}.answer[1]",
            )
        answers[question.code] = _value(instrument, question, given[0], f"{where}.answer[0]")
    return answers


def read_questionnaire_response(data: Any) -> Imported:
    """Parse and check an incoming QuestionnaireResponse; raise Refused saying where."""
    resource = _check_shape(data)
    if resource.get("status") not in ("completed", "amended"):
        raise Refused("Only completed responses can be imported.", f"{ROOT}.status")
    authored = _authored(resource)
    subject, patient_id = _subject(resource)
    system, value = _identifier(resource)
    instrument = _instrument_for(resource)
    answers = _answers(instrument, resource)
    return Imported(
        instrument,
        answers,
        authored,
        subject,
        patient_id,
        identifier_key(system, value) if value else "",
        system,
        value,
    )
