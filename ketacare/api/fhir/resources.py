"""Build and read FHIR R4 resources for questionnaires and their results.

Resources are plain dicts shaped as FHIR R4 (4.0.1); the tests validate them with fhir.resources'
R4B models, which for Questionnaire, QuestionnaireResponse, Observation, Bundle and
OperationOutcome have the same structure as R4. Observations follow the US Core
screening-assessment style: a total-score Observation with the instrument's LOINC code,
derived from the QuestionnaireResponse, with one member Observation per coded item.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.conf import settings
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from ketacare.core import instruments
from ketacare.core.instruments.base import Instrument, Item
from ketacare.core.instruments.cssrs import RISK_ANSWERS
from ketacare.measures.models import Response

LOINC = "http://loinc.org"
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
SURVEY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey",
            "display": "Survey",
        }
    ]
}
MODELS: dict[str, Any] = {
    "Questionnaire": Questionnaire,
    "QuestionnaireResponse": QuestionnaireResponse,
    "Observation": Observation,
    "Bundle": Bundle,
    "OperationOutcome": OperationOutcome,
}


def base_url() -> str:
    return settings.SITE_URL.rstrip("/") + "/fhir"


def fhir_id(instrument: Instrument) -> str:
    """FHIR ids allow letters, digits, '-' and '.': side_effects becomes side-effects."""
    return instrument.code.replace("_", "-")


def instrument_for_id(resource_id: str) -> Instrument:
    return instruments.get(resource_id.replace("-", "_"))


def canonical(instrument: Instrument) -> str:
    return f"{base_url()}/Questionnaire/{fhir_id(instrument)}"


def local_system(instrument: Instrument) -> str:
    return f"{base_url()}/CodeSystem/{fhir_id(instrument)}"


def validate(resource: dict[str, Any]) -> dict[str, Any]:
    """Check a resource against its fhir.resources model; return it unchanged.

    Used by the tests on everything we send, not on each request: validating every resource
    cost most of a search's time (see docs/benchmarks.md), and the builders here are
    deterministic, so the tests that cover each shape prove them.
    """
    MODELS[resource["resourceType"]].model_validate(resource)
    return resource


def link_id(item: Item) -> str:
    return item.loinc or item.code


def _answer_coding(instrument: Instrument, item: Item, value: int) -> dict[str, Any]:
    option = item.option(value)
    if option.loinc:
        return {"system": LOINC, "code": option.loinc, "display": option.label}
    return {"system": local_system(instrument), "code": str(value), "display": option.label}


def _total_code(instrument: Instrument) -> dict[str, Any]:
    if instrument.loinc_total:
        return {
            "system": LOINC,
            "code": instrument.loinc_total,
            "display": f"{instrument.name} total score",
        }
    return {
        "system": local_system(instrument),
        "code": "total",
        "display": f"{instrument.name} total score",
    }


def questionnaire(instrument: Instrument) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for item in instrument.items:
        entry: dict[str, Any] = {
            "linkId": link_id(item),
            "text": item.text,
            "type": "choice",
            "required": item.required,
            "answerOption": [
                {
                    "valueCoding": _answer_coding(instrument, item, o.value),
                    "extension": [{"url": ORDINAL, "valueDecimal": o.value}],
                }
                for o in item.options
            ],
        }
        if item.loinc:
            entry["code"] = [{"system": LOINC, "code": item.loinc}]
        items.append(entry)
    if instrument.code == "cssrs":
        items.append(
            {
                "linkId": instrument.loinc_total,
                "text": "Risk level",
                "type": "choice",
                "readOnly": True,
                "code": [_total_code(instrument)],
            }
        )
    else:
        items.append(
            {
                "linkId": instrument.loinc_total or "total",
                "text": "Total score",
                "type": "integer",
                "readOnly": True,
                "code": [_total_code(instrument)],
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": fhir_id(instrument),
        "url": canonical(instrument),
        "version": instrument.version,
        "name": instrument.name.replace("-", "").replace(" ", ""),
        "title": instrument.name,
        "status": "active",
        "copyright": instrument.licence,
        "item": items,
    }
    if instrument.loinc_panel:
        resource["code"] = [
            {"system": LOINC, "code": instrument.loinc_panel, "display": instrument.name}
        ]
    return resource


def _instant(response: Response) -> str:
    """In UTC, so a resource reads the same whether just stored or read back."""
    return response.collected_at.astimezone(dt.UTC).isoformat()


def _qr_id(response: Response) -> str:
    return f"r{response.pk}"


def questionnaire_response(response: Response) -> dict[str, Any]:
    instrument = instruments.get(response.instrument)
    items: list[dict[str, Any]] = []
    for item in instrument.items:
        if item.code not in response.answers:
            continue
        items.append(
            {
                "linkId": link_id(item),
                "text": item.text,
                "answer": [
                    {"valueCoding": _answer_coding(instrument, item, response.answers[item.code])}
                ],
            }
        )
    if response.total is not None:
        items.append(
            {
                "linkId": instrument.loinc_total or "total",
                "text": "Total score",
                "answer": [{"valueInteger": response.total}],
            }
        )
    elif response.risk:
        items.append(
            {
                "linkId": instrument.loinc_total or "risk",
                "text": "Risk level",
                "answer": [{"valueCoding": _risk_coding(response.risk)}],
            }
        )
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": _qr_id(response),
        "questionnaire": canonical(instrument),
        "status": "completed",
        "subject": {"reference": f"Patient/{response.patient_id}"},
        "authored": _instant(response),
        "item": items,
    }
    if response.external_id:  # the sender's identifier, "system|value" or the value alone
        system, bar, value = response.external_id.partition("|")
        resource["identifier"] = {"system": system, "value": value} if bar else {"value": system}
    return resource


def _risk_coding(risk: str) -> dict[str, Any]:
    if risk in RISK_ANSWERS:
        return {"system": LOINC, "code": RISK_ANSWERS[risk], "display": risk.capitalize()}
    return {"system": local_system(instruments.get("cssrs")), "code": risk, "display": risk}


def observations(response: Response) -> Iterator[dict[str, Any]]:
    """Yield the total (or risk) Observation, then one per LOINC-coded item answer."""
    instrument = instruments.get(response.instrument)
    base = {
        "resourceType": "Observation",
        "status": "final",
        "category": [SURVEY],
        "subject": {"reference": f"Patient/{response.patient_id}"},
        "effectiveDateTime": _instant(response),
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{_qr_id(response)}"}],
    }
    members = []
    item_obs = []
    for item in instrument.items:
        if item.code not in response.answers or not item.loinc:
            continue
        obs_id = f"{_qr_id(response)}-{item.code}"
        coding = _answer_coding(instrument, item, response.answers[item.code])
        item_obs.append(
            {
                **base,
                "id": obs_id,
                "code": {
                    "coding": [{"system": LOINC, "code": item.loinc, "display": item.text}],
                    "text": item.text,
                },
                "valueCodeableConcept": {"coding": [coding], "text": coding["display"]},
            }
        )
        members.append({"reference": f"Observation/{obs_id}"})
    total: dict[str, Any] = {
        **base,
        "id": f"{_qr_id(response)}-total",
        "code": {"coding": [_total_code(instrument)], "text": f"{instrument.name} total score"},
    }
    if response.total is not None:
        total["valueInteger"] = response.total
        if response.band:
            total["interpretation"] = [{"text": response.band}]
    else:
        total["valueCodeableConcept"] = {"coding": [_risk_coding(response.risk)]}
    if members:
        total["hasMember"] = members
    yield total
    yield from item_obs


def bundle(
    resources: Iterable[dict[str, Any]],
    *,
    total: int | None = None,
    links: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A searchset Bundle; `total` counts every match, not only this page's entries."""
    entries = [
        {
            "fullUrl": f"{base_url()}/{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "match"},
        }
        for r in resources
    ]
    result: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(entries) if total is None else total,
    }
    if links:
        result["link"] = [{"relation": rel, "url": url} for rel, url in links.items()]
    result["entry"] = entries
    return result


def outcome(
    message: str, *, code: str = "invalid", expression: str | None = None
) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": message}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}
