"""The role table itself, and the pages that must show a person only what they may do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django import forms
from django.urls import reverse

from ketacare.accounts.models import Role
from ketacare.accounts.permissions import RULES, Action, Permissions, can, can_move_to
from ketacare.conftest import client_for, make_staff
from ketacare.core.phases import Phase
from ketacare.patients.forms import PhaseChangeForm

ROOT = Path(__file__).resolve().parents[3]


def test_every_action_has_a_rule_with_a_reason():
    assert set(RULES) == set(Action)
    for action, rule in RULES.items():
        assert rule.roles, action
        assert rule.reason.endswith("."), action


@pytest.mark.parametrize(
    ("action", "roles"),
    [
        (Action.PHASE_TREAT, {Role.PRESCRIBER}),
        (Action.PHASE_DISCHARGE, {Role.PRESCRIBER}),
        (Action.STAFF_MANAGE, {Role.CLINIC_ADMIN}),
        (Action.CLINIC_SETTINGS, {Role.CLINIC_ADMIN}),
        (Action.API_TOKENS, {Role.CLINIC_ADMIN}),
    ],
)
def test_the_decisions_the_issue_reserves_belong_to_one_role(action, roles):
    assert RULES[action].roles == roles


def test_every_care_team_role_reads_the_chart():
    care = {Role.PRESCRIBER, Role.NURSE, Role.THERAPIST, Role.COORDINATOR}
    assert care <= RULES[Action.CHART_READ].roles


def test_roles_add_up_and_an_ended_membership_may_do_nothing(clinic):
    both = make_staff(clinic, "both@harbour.test", "Both", [Role.COORDINATOR, Role.CLINIC_ADMIN])
    assert can(both, Action.CARE_TEAM_MANAGE)  # as coordinator
    assert can(both, Action.API_TOKENS)  # as clinic admin
    assert not can(both, Action.PHASE_TREAT)
    both.is_active = False
    assert not can(both, Action.CHART_READ)
    assert not can(None, Action.CHART_READ)


def test_templates_only_ask_for_actions_that_exist():
    used = set()
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        used |= set(re.findall(r"\bcan\.(\w+)", template.read_text()))
    assert used, "no template asks the permission table"
    assert used <= {a.value for a in Action}, used - {a.value for a in Action}
    with pytest.raises(KeyError):
        Permissions(None)["no_such_action"]


@pytest.mark.parametrize(
    ("roles", "offered"),
    [
        ([Role.COORDINATOR], ["", "paused"]),
        ([Role.NURSE], ["", "paused"]),
        ([Role.PRESCRIBER], ["", "induction", "paused", "discharged"]),
    ],
)
def test_the_phase_form_offers_only_this_persons_moves_and_chooses_none(clinic, roles, offered):
    member = make_staff(clinic, "m@harbour.test", "M", roles)
    form = PhaseChangeForm(current=Phase.EVALUATION, member=member)
    field = form.fields["to_phase"]
    assert isinstance(field, forms.ChoiceField)
    assert [value for value, _ in list(field.choices)] == offered
    assert form["to_phase"].value() is None
    assert 'selected value="induction"' not in str(form["to_phase"])


def test_nobody_moves_a_patient_back_to_referred(clinic):
    member = make_staff(clinic, "p@harbour.test", "P", [Role.PRESCRIBER])
    assert not can_move_to(member, Phase.REFERRED)
    assert not can_move_to(member, "nonsense")


def test_a_coordinators_chart_offers_no_eligibility_decision(clinic, patient, admin):
    coordinator = make_staff(clinic, "c@harbour.test", "C", [Role.COORDINATOR])
    patient.phase = Phase.EVALUATION
    patient.save(update_fields=["phase"])
    page = client_for(coordinator.user).get(reverse("patients:detail", args=[patient.pk]))
    assert page.status_code == 200
    assert b'value="induction"' not in page.content
    assert b'value="paused"' in page.content
    assert b"Export" not in page.content  # no transfer-of-care copy for a coordinator


def test_a_forged_move_into_induction_is_refused_with_the_reason(clinic, patient):
    coordinator = make_staff(clinic, "c@harbour.test", "C", [Role.COORDINATOR])
    patient.phase = Phase.EVALUATION
    patient.save(update_fields=["phase"])
    response = client_for(coordinator.user).post(
        reverse("patients:phase_change", args=[patient.pk]),
        {"to_phase": "induction", "reason": "forged"},
    )
    assert response.status_code == 403
    assert b"only a prescriber" in response.content
    patient.refresh_from_db()
    assert patient.phase == Phase.EVALUATION


@pytest.mark.parametrize(
    ("roles", "shown", "hidden"),
    [
        ([Role.NURSE], [], ["API tokens", "Staff", "Clinic settings"]),
        ([Role.THERAPIST], [], ["API tokens", "Staff", "Clinic settings", "Register a patient"]),
        ([Role.CLINIC_ADMIN], ["API tokens", "Staff", "Clinic settings"], ["Register a patient"]),
        ([Role.PRESCRIBER], ["Register a patient"], ["API tokens"]),
    ],
)
def test_menus_show_a_person_only_what_they_may_do(clinic, roles, shown, hidden):
    member = make_staff(clinic, "m@harbour.test", "M", roles)
    page = client_for(member.user).get(reverse("patients:list")).content.decode()
    for label in shown:
        assert f">{label}</a>" in page, label
    for label in hidden:
        assert f">{label}</a>" not in page, label
