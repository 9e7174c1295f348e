"""A response sent twice is stored once: by its `identifier`, or by `If-None-Exist`.

The key is the sender's identifier ("system|value"), unique per patient in the database
(`one_response_per_sender_identifier`), so two racing requests cannot both store it. FHIR
conditional create: no match creates (201), one match returns it (200), several are 412.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.http import QueryDict

from ketacare.api.fhir.reading import MAX_IDENTIFIER, Imported, identifier_key
from ketacare.measures.models import Response
from ketacare.patients.models import Patient


class BadCondition(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Ambiguous:
    """More than one stored response matches the condition."""


@dataclass(frozen=True)
class Wanted:
    key: str  # stored as Response.external_id; "" when there is nothing to match on
    system: str | None  # None: the condition matches the value under any system
    value: str
    conditional: bool  # came from If-None-Exist


def _condition(header: str) -> tuple[str | None, str]:
    query = QueryDict(header)
    if set(query) != {"identifier"} or len(query.getlist("identifier")) != 1:
        raise BadCondition("If-None-Exist supports one search: identifier=[system|]value.")
    token = query["identifier"]
    system, bar, value = token.partition("|")
    if "\x00" in token or len(token) > MAX_IDENTIFIER:
        raise BadCondition(f"If-None-Exist: the identifier is over {MAX_IDENTIFIER} characters.")
    return (system, value) if bar else (None, token)


def wanted(header: str | None, imported: Imported) -> Wanted:
    """What to match a stored response on; the body's identifier and the condition agree."""
    own_system, own_value = imported.identifier_system, imported.identifier_value
    if header is None:
        return Wanted(imported.identifier, own_system or None, own_value, conditional=False)
    system, value = _condition(header)
    if not value or "\x00" in value:
        raise BadCondition("If-None-Exist: identifier=[system|]value needs a value.")
    if imported.identifier and (
        value != own_value or (system is not None and system != own_system)
    ):
        raise BadCondition("If-None-Exist names another identifier than the resource's own.")
    key = imported.identifier or identifier_key(system or None, value)
    return Wanted(key, system, value, conditional=True)


def existing(patient: Patient, wanted: Wanted) -> Response | Ambiguous | None:
    if not wanted.key:
        return None
    match = Q(external_id=wanted.key)
    if wanted.conditional:
        if wanted.system is None:  # identifier=value: any system, or none
            match = Q(external_id=wanted.value) | Q(external_id__endswith=f"|{wanted.value}")
        else:
            match = Q(external_id=identifier_key(wanted.system or None, wanted.value))
    found = list(Response.objects.filter(patient=patient).filter(match)[:2])
    if len(found) > 1:
        return Ambiguous()
    return found[0] if found else None


def same(stored: Response, imported: Imported) -> bool:
    """Whether a resend carries what was stored (a retry), not different answers."""
    return (
        stored.instrument == imported.instrument.code
        and stored.answers == imported.answers
        and stored.collected_at == imported.authored
    )
