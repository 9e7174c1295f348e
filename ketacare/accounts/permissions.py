"""What each role may do, in one table.

`patients/access.py` answers *whose* records a person may reach (their clinic's, their own);
this module answers *what* they may do there. Views (`permission_required`), the JSON
API and FHIR (`require`), and templates (`can.<action>` from the context processor)
all ask `can(member, action)`, so a menu never offers what the server would refuse.

A member holding several roles may do what any of them allows. Every rule carries a
one-line reason; a refusal quotes it, so nobody is told only "forbidden".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied

from ketacare.accounts.models import Role, StaffMember
from ketacare.core.phases import Phase


class Action(StrEnum):
    CHART_READ = "chart_read"
    PATIENT_REGISTER = "patient_register"
    PATIENT_EDIT = "patient_edit"
    CARE_TEAM_MANAGE = "care_team_manage"
    PHASE_EVALUATE = "phase_evaluate"
    PHASE_PAUSE = "phase_pause"
    PHASE_TREAT = "phase_treat"
    PHASE_DISCHARGE = "phase_discharge"
    QUESTIONNAIRE_ENTER = "questionnaire_enter"
    QUESTIONNAIRE_AMEND = "questionnaire_amend"
    CHECKIN_SEND = "checkin_send"
    DOSE_FOLLOW_UP = "dose_follow_up"
    PLAN_EDIT = "plan_edit"
    PORTAL_INVITE = "portal_invite"
    AUDIT_VIEW = "audit_view"
    EXPORT = "export"
    STAFF_MANAGE = "staff_manage"
    CLINIC_SETTINGS = "clinic_settings"
    API_TOKENS = "api_tokens"


P, N, T, C, A = (Role.PRESCRIBER, Role.NURSE, Role.THERAPIST, Role.COORDINATOR, Role.CLINIC_ADMIN)
CARE_TEAM_ROLES = frozenset({P, N, T, C})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    reason: str  # why these roles: shown to a person who is refused


def _rule(roles: Iterable[Role], reason: str) -> Rule:
    return Rule(frozenset(roles), reason)


# The table. Change a rule here and views, API, FHIR and menus follow.
RULES: Mapping[Action, Rule] = {
    Action.CHART_READ: _rule(
        {P, N, T, C, A},
        "Everyone who cares for the clinic's patients reads the chart; "
        "the clinic admin answers records requests.",
    ),
    Action.PATIENT_REGISTER: _rule(
        {P, N, C}, "Intake is done by the coordinator or a clinician who assesses patients."
    ),
    Action.PATIENT_EDIT: _rule(
        CARE_TEAM_ROLES, "Anyone who sees the patient may correct their details and contacts."
    ),
    Action.CARE_TEAM_MANAGE: _rule(
        {P, C}, "The coordinator assembles the care team; the prescriber leads it."
    ),
    Action.PHASE_EVALUATE: _rule(
        {P, N, C},
        "Starting an evaluation books assessments and decides nothing about treatment.",
    ),
    Action.PHASE_PAUSE: _rule(
        CARE_TEAM_ROLES, "Pausing holds treatment, the safe direction; any care-team member may."
    ),
    Action.PHASE_TREAT: _rule(
        {P},
        "Moving into induction or maintenance is the eligibility decision: only a prescriber "
        "signs it.",
    ),
    Action.PHASE_DISCHARGE: _rule({P}, "Ending treatment is a prescriber's clinical decision."),
    Action.QUESTIONNAIRE_ENTER: _rule(
        CARE_TEAM_ROLES, "Any care-team member may enter a questionnaire the patient filled in."
    ),
    Action.QUESTIONNAIRE_AMEND: _rule(
        {P, N, T}, "Correcting a clinical record is signed by a clinician."
    ),
    Action.CHECKIN_SEND: _rule(
        CARE_TEAM_ROLES, "Any care-team member may send or re-send a check-in link."
    ),
    Action.DOSE_FOLLOW_UP: _rule(
        {P, N}, "Post-dose check-ins are set by those who give or monitor the dose."
    ),
    Action.PLAN_EDIT: _rule(
        {P, N, T}, "What is measured and when is a clinical choice of the treating clinicians."
    ),
    Action.PORTAL_INVITE: _rule(
        CARE_TEAM_ROLES, "Any care-team member may invite the patient to the portal."
    ),
    Action.AUDIT_VIEW: _rule(
        {P, A},
        "Who read and changed a record is reviewed by the responsible prescriber and the "
        "clinic admin.",
    ),
    Action.EXPORT: _rule(
        {P, A},
        "A full copy of the record leaves the clinic only for a transfer of care (prescriber) "
        "or a records request (clinic admin).",
    ),
    Action.STAFF_MANAGE: _rule({A}, "Only a clinic admin adds staff and changes their roles."),
    Action.CLINIC_SETTINGS: _rule({A}, "Only a clinic admin changes the clinic's settings."),
    Action.API_TOKENS: _rule(
        {A},
        "API tokens connect other systems to the clinic's records; only a clinic admin makes them.",
    ),
}

# Which action a move *into* each phase needs. Nobody moves a patient back to "referred".
PHASE_MOVE_ACTIONS: Mapping[Phase, Action] = {
    Phase.EVALUATION: Action.PHASE_EVALUATE,
    Phase.INDUCTION: Action.PHASE_TREAT,
    Phase.MAINTENANCE: Action.PHASE_TREAT,
    Phase.PAUSED: Action.PHASE_PAUSE,
    Phase.DISCHARGED: Action.PHASE_DISCHARGE,
}


def can(member: StaffMember | None, action: Action) -> bool:
    """True if this membership holds a role that may do `action`."""
    if member is None or not member.is_active:
        return False
    return not RULES[action].roles.isdisjoint(member.roles)


def refusal(action: Action) -> str:
    """The sentence a refused person reads: who may, and why."""
    return RULES[action].reason


def require(member: StaffMember | None, action: Action) -> None:
    """Raise PermissionDenied, with the reason, unless the member may do `action`."""
    if not can(member, action):
        raise PermissionDenied(refusal(action))


def can_move_to(member: StaffMember | None, phase: Phase | str) -> bool:
    try:
        action = PHASE_MOVE_ACTIONS[Phase(phase)]
    except (ValueError, KeyError):
        return False
    return can(member, action)


def require_move_to(member: StaffMember | None, phase: Phase | str) -> None:
    """Refuse a phase move this member may not make. Unknown phases are left to the form."""
    try:
        action = PHASE_MOVE_ACTIONS[Phase(phase)]
    except ValueError:
        return
    except KeyError:
        raise PermissionDenied("A patient cannot be moved back to referred.") from None
    require(member, action)


class Permissions(Mapping[str, bool]):
    """`can.<action>` in templates: {% if can.api_tokens %}…{% endif %}.

    An unknown name raises KeyError, which Django renders as empty; a test checks that
    every `can.` used in a template names a real action.
    """

    def __init__(self, member: StaffMember | None) -> None:
        self._member = member

    def __getitem__(self, name: str) -> bool:
        try:
            action = Action(name)
        except ValueError:
            raise KeyError(name) from None
        return can(self._member, action)

    def __iter__(self) -> Iterator[str]:
        return iter(a.value for a in Action)

    def __len__(self) -> int:
        return len(Action)
