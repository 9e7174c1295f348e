"""Everything ketacare keeps about one patient, for a download: as plain JSON, and as a
FHIR R4 Bundle (Patient, QuestionnaireResponses, Observations) another system can read.

The JSON holds every kept fact: the record and its history, phases, care team, every
questionnaire with its corrections, check-ins with their delivery record and any unsent
draft answers, the check-in plan, alerts and how they were handled, and the access log
of who read the record. The FHIR Bundle holds what FHIR has resources for, built by the
same code as the FHIR API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model
from django.utils import timezone

from ketacare.alerts.selectors import patient_alerts
from ketacare.audit.selectors import access_events_for
from ketacare.checkins.models import CheckIn, MeasurementPlan
from ketacare.measures.models import Amendment, Response
from ketacare.patients.fields import EDITABLE_FIELDS
from ketacare.patients.models import CareTeamMember, Patient, PhaseChange

FORMAT_VERSION = 1
SEX_TO_FHIR = {"male": "male", "female": "female", "intersex": "other", "unknown": "unknown"}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Model):
        return str(value)
    return value


def _row(obj: Model, names: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in names}


def _history(model_history: Any) -> list[dict[str, Any]]:
    return [
        {
            "at": r.history_date.isoformat(),
            "by": str(r.history_user) if r.history_user_id else "system",
            "type": {"+": "created", "~": "changed", "-": "deleted"}[r.history_type],
            "reason": r.history_change_reason or "",
            "changes": (
                {
                    c.field: [_plain(c.old), _plain(c.new)]
                    for c in r.diff_against(r.prev_record).changes
                }
                if r.prev_record is not None
                else {}
            ),
        }
        for r in model_history.select_related("history_user").order_by("history_date", "history_id")
    ]


def _responses(patient: Patient) -> list[dict[str, Any]]:
    fields = ["instrument", "version", "answers", "total", "band", "risk", "flags", "context"]
    fields += ["source", "collected_at", "collected_by", "external_id", "created_at"]
    amendments: dict[int, list[dict[str, Any]]] = {}
    for a in Amendment.objects.filter(response__patient=patient).select_related("amended_by"):
        amendments.setdefault(a.response_id, []).append(
            _row(a, ["answers_before", "answers_after", "total_before", "total_after", "reason"])
            | {"by": str(a.amended_by), "at": a.amended_at.isoformat()}
        )
    rows = Response.objects.filter(patient=patient).select_related("collected_by")
    return [
        {
            "id": r.pk,
            **_row(r, fields),
            "checkin": r.checkin_id,
            "amendments": amendments.get(r.pk, []),
        }
        for r in rows.order_by("collected_at", "pk")
    ]


def _checkins(patient: Patient) -> list[dict[str, Any]]:
    fields = ["instruments", "context", "due_at", "expires_at", "status", "channel", "draft"]
    fields += ["sent_at", "opened_at", "started_at", "submitted_at", "missed_at", "reminded_at"]
    rows = (
        CheckIn.objects.filter(patient=patient).prefetch_related("events").order_by("due_at", "pk")
    )
    return [
        {
            "id": c.pk,
            **_row(c, fields),
            "events": [_row(e, ["event", "channel", "detail", "at"]) for e in c.events.all()],
        }
        for c in rows
    ]


def _alerts(patient: Patient) -> list[dict[str, Any]]:
    fields = ["kind", "severity", "status", "title", "evidence", "triggered_at", "assignee"]
    return [
        {"id": a.pk, **_row(a, fields), "response": a.response_id, "history": _history(a.history)}
        for a in patient_alerts(patient, oldest_first=True)
    ]


def patient_export(patient: Patient) -> dict[str, Any]:
    """Return everything kept about the patient as plain JSON-ready data."""
    plan = MeasurementPlan.objects.filter(patient=patient).first()
    team = CareTeamMember.objects.filter(patient=patient).select_related("staff_member__user")
    phases = PhaseChange.objects.filter(patient=patient).select_related("changed_by")
    phases = phases.order_by("changed_at", "pk")
    return {
        "format": f"ketacare patient export v{FORMAT_VERSION}",
        "clinic": patient.clinic.name,
        "phase": patient.phase,
        **{name: _plain(getattr(patient, name)) for name in EDITABLE_FIELDS},
        "created_at": patient.created_at.isoformat(),
        "portal_account": (
            {"email": patient.portal_user.email, "active": patient.portal_user.is_active}
            if patient.portal_user_id and patient.portal_user
            else None
        ),
        "record_history": _history(patient.history),
        "phase_history": [
            {
                "from": c.from_phase,
                "to": c.to_phase,
                "reason": c.reason,
                "by": str(c.changed_by),
                "at": c.changed_at.isoformat(),
            }
            for c in phases
        ],
        "care_team": [
            {
                "name": m.staff_member.user.full_name,
                "role": m.role,
                "from": m.started_at.isoformat(),
                "to": m.ended_at.isoformat() if m.ended_at else None,
            }
            for m in team
        ],
        "questionnaires": _responses(patient),
        "checkins": _checkins(patient),
        "checkin_plan": (
            _row(plan, ["calendar_instruments", "interval_days", "after_dose"])
            | {"history": _history(plan.history)}
            if plan is not None
            else None
        ),
        "alerts": _alerts(patient),
        "access_log": [
            {
                "at": e.at.isoformat(),
                "who": e.actor_label,
                "what": e.get_action_display(),
                "path": e.path,
            }
            for e in access_events_for(patient)
        ],
    }


def fhir_patient(patient: Patient) -> dict[str, Any]:
    from ketacare.api.fhir import resources as fr

    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [
            {
                "type": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
                    ]
                },
                "system": f"{fr.base_url()}/mrn/{patient.clinic.slug}",
                "value": patient.mrn,
            }
        ],
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        "gender": SEX_TO_FHIR.get(patient.sex_at_birth, "unknown"),
        "birthDate": patient.birth_date.isoformat(),
        "active": patient.phase != "discharged",
    }
    if patient.preferred_name:
        resource["name"].append({"use": "usual", "given": [patient.preferred_name]})
    telecom = [{"system": "email", "value": patient.email}] if patient.email else []
    telecom += [{"system": "phone", "value": patient.phone}] if patient.phone else []
    if telecom:
        resource["telecom"] = telecom
    return resource


def patient_fhir_bundle(patient: Patient) -> dict[str, Any]:
    """A FHIR R4 `collection` Bundle: the Patient, then each questionnaire as a
    QuestionnaireResponse followed by its Observations."""
    from ketacare.api.fhir import resources as fr

    resources = [fhir_patient(patient)]
    for response in Response.objects.filter(patient=patient).order_by("collected_at", "pk"):
        resources.append(fr.questionnaire_response(response))
        resources.extend(fr.observations(response))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": [
            {"fullUrl": f"{fr.base_url()}/{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }
