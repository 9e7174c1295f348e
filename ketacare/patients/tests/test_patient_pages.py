import datetime as dt
import json

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.tests.sending import send_queued
from ketacare.audit.models import AccessAction, AccessEvent
from ketacare.patients import services
from ketacare.patients.models import CareTeamMember, Patient, PhaseChange

VALID = {
    "given_name": "Rae",
    "family_name": "Nguyen",
    "birth_date": "1979-05-17",
    "sex_at_birth": "female",
    "email": "rae@patient.test",
    "phone": "",
    "preferred_contact": "email",
    "mrn": "",
}


@pytest.fixture
def many(clinic, alice, bob):
    made = []
    for i in range(30):
        p = services.patient_create(
            clinic=clinic,
            by=alice.user,
            given_name=f"Given{i:02d}",
            family_name=f"Family{i:02d}",
            birth_date=dt.date(1970 + i, 1, 1),
            email=f"p{i}@patient.test",
        )
        made.append(p)
    services.patient_phase_change(
        patient=made[0], to_phase="evaluation", reason="booked", by=alice.user
    )
    services.care_team_add(patient=made[1], staff_member=bob, role="nurse", by=alice.user)
    return made


def test_the_list_shows_this_clinics_patients_paginated(alice_client, many, charlie, other_clinic):
    services.patient_create(
        clinic=other_clinic,
        by=charlie.user,
        given_name="Hidden",
        family_name="Elsewhere",
        birth_date=dt.date(1990, 1, 1),
        email="h@x.test",
    )
    response = alice_client.get(reverse("patients:list"))
    assert response.status_code == 200
    assert b"30 patients" in response.content
    assert b"Page 1 of 2" in response.content
    assert b"Elsewhere" not in response.content
    assert b"Family29" in alice_client.get(reverse("patients:list") + "?page=2").content


def test_the_list_searches_by_name_and_mrn(alice_client, many):
    by_name = alice_client.get(reverse("patients:list"), {"q": "given07"})
    assert b"Family07" in by_name.content and b"Family08" not in by_name.content
    by_mrn = alice_client.get(reverse("patients:list"), {"q": many[3].mrn})
    assert b"Family03" in by_mrn.content and b"1 patient" in by_mrn.content


def test_the_list_filters_by_phase_and_care_team_member(alice_client, many, bob):
    phase = alice_client.get(reverse("patients:list"), {"phase": "evaluation"})
    assert b"Family00" in phase.content and b"1 patient" in phase.content
    team = alice_client.get(reverse("patients:list"), {"team_member": bob.pk})
    assert b"Family01" in team.content and b"1 patient" in team.content


def test_the_list_sorts_and_ignores_a_bad_sort_or_page(alice_client, many):
    response = alice_client.get(reverse("patients:list"), {"sort": "-name"})
    assert response.content.index(b"Family29") < response.content.index(b"Family28")
    assert (
        alice_client.get(reverse("patients:list"), {"sort": "drop table", "page": "x"}).status_code
        == 200
    )


def test_the_list_answers_htmx_with_the_table_only(alice_client, many):
    response = alice_client.get(
        reverse("patients:list"), {"q": "Family1"}, headers={"HX-Request": "true"}
    )
    assert b"<html" not in response.content
    assert b"Family10" in response.content


def test_it_registers_a_patient_with_a_generated_mrn_and_history(alice_client, alice, clinic):
    response = alice_client.post(reverse("patients:create"), VALID)
    assert response.status_code == 302
    patient = Patient.objects.get(family_name="Nguyen")
    assert patient.mrn == "HB-000001"
    assert patient.phase == "referred"
    assert PhaseChange.objects.filter(patient=patient, to_phase="referred").exists()
    record = patient.history.get()
    assert record.history_user == alice.user and record.history_change_reason == "registered"


def test_a_duplicate_mrn_is_a_clear_error_that_keeps_the_input(alice_client, patient):
    response = alice_client.post(reverse("patients:create"), {**VALID, "mrn": patient.mrn})
    assert response.status_code == 200
    assert b"already has this MRN" in response.content
    assert b'value="Nguyen"' in response.content
    assert Patient.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"birth_date": "2999-01-01"}, b"in the future"),
        ({"birth_date": "17/05/1979x"}, b"Enter a valid date"),
        ({"given_name": ""}, b"This field is required"),
        ({"email": "", "preferred_contact": "email"}, b"an address is needed"),
        ({"preferred_contact": "sms", "phone": ""}, b"phone number is needed"),
        ({"sex_at_birth": "robot"}, b"Select a valid choice"),
    ],
)
def test_bad_input_is_shown_beside_the_field(alice_client, change, message):
    response = alice_client.post(reverse("patients:create"), {**VALID, **change})
    assert response.status_code == 200
    assert message in response.content
    assert b"has-error" in response.content
    assert not Patient.objects.exists()


def test_opening_the_chart_is_logged(alice_client, alice, patient):
    response = alice_client.get(reverse("patients:detail", args=[patient.pk]))
    assert response.status_code == 200
    assert b"HB-1" in response.content
    event = AccessEvent.objects.get()
    assert (event.actor, event.patient, event.action) == (
        alice.user,
        patient,
        AccessAction.VIEW_CHART,
    )


def test_an_edit_appears_in_the_audit_trail_with_who_when_and_what(alice_client, bob, patient):
    from ketacare.conftest import client_for

    bob_client = client_for(bob.user)
    data = {
        **VALID,
        "mrn": patient.mrn,
        "given_name": "Pat",
        "family_name": "Example",
        "birth_date": "1985-04-02",
        "email": patient.email,
        "phone": "312-555-0123",
        "reason": "new phone number",
    }
    response = bob_client.post(reverse("patients:edit", args=[patient.pk]), data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "+13125550123"
    latest = patient.history.first()
    assert latest.history_user == bob.user and latest.history_change_reason == "new phone number"
    trail = alice_client.get(reverse("patients:audit", args=[patient.pk]))
    assert b"Bob Nurse" in trail.content
    assert b"new phone number" in trail.content
    assert (
        b"<del>+13125550199</del>" in trail.content and b"<ins>+13125550123</ins>" in trail.content
    )
    assert AccessEvent.objects.filter(action=AccessAction.VIEW_AUDIT, patient=patient).exists()


def test_an_edit_to_a_duplicate_mrn_is_refused(alice_client, patient, other_patient_user):
    data = {
        **VALID,
        "mrn": "HB-2",
        "given_name": "Pat",
        "family_name": "Example",
        "email": patient.email,
    }
    response = alice_client.post(reverse("patients:edit", args=[patient.pk]), data)
    assert response.status_code == 200
    assert b"already has this MRN" in response.content
    patient.refresh_from_db()
    assert patient.mrn == "HB-1"


def test_it_changes_phase_with_a_reason(alice_client, alice, patient):
    response = alice_client.post(
        reverse("patients:phase_change", args=[patient.pk]),
        {"to_phase": "evaluation", "reason": "Evaluation booked"},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.phase == "evaluation"
    change = PhaseChange.objects.filter(patient=patient).first()
    assert (change.from_phase, change.to_phase, change.changed_by) == (
        "referred",
        "evaluation",
        alice.user,
    )


def test_a_phase_move_that_skips_evaluation_is_refused(alice_client, patient):
    response = alice_client.post(
        reverse("patients:phase_change", args=[patient.pk]),
        {"to_phase": "induction", "reason": "x"},
        follow=True,
    )
    assert b"was not changed" in response.content
    patient.refresh_from_db()
    assert patient.phase == "referred"


def test_the_phase_service_refuses_moves_the_pathway_forbids(alice, patient):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="cannot move"):
        services.patient_phase_change(
            patient=patient, to_phase="maintenance", reason="x", by=alice.user
        )


def test_care_team_members_are_added_and_ended_never_deleted(alice_client, bob, patient):
    alice_client.post(
        reverse("patients:care_team_add", args=[patient.pk]),
        {"staff_member": bob.pk, "role": "nurse"},
    )
    member = CareTeamMember.objects.get()
    again = alice_client.post(
        reverse("patients:care_team_add", args=[patient.pk]),
        {"staff_member": bob.pk, "role": "nurse"},
        follow=True,
    )
    assert b"Already on the care team" in again.content
    alice_client.post(reverse("patients:care_team_end", args=[patient.pk, member.pk]))
    member.refresh_from_db()
    assert member.ended_at is not None
    assert CareTeamMember.objects.count() == 1


def test_staff_of_another_clinic_cannot_join_the_care_team(alice_client, charlie, patient):
    response = alice_client.post(
        reverse("patients:care_team_add", args=[patient.pk]),
        {"staff_member": charlie.pk, "role": "prescriber"},
        follow=True,
    )
    assert b"was not changed" in response.content
    assert not CareTeamMember.objects.exists()


def test_export_downloads_the_record_and_is_logged(alice_client, patient):
    response = alice_client.get(reverse("patients:export", args=[patient.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="patient-HB-1.json"'
    data = json.loads(response.content)
    assert data["mrn"] == "HB-1" and data["phase_history"][0]["to"] == "referred"
    assert AccessEvent.objects.filter(action=AccessAction.EXPORT).count() == 1


def test_portal_invite_creates_an_account_and_emails_only_a_link(alice_client, patient):
    alice_client.post(reverse("patients:portal_invite", args=[patient.pk]))
    assert mail.outbox == []  # queued; the worker sends it
    send_queued()
    patient.refresh_from_db()
    assert patient.portal_user.email == patient.email
    body = mail.outbox[0].body
    assert "/portal/set-password/" in body
    assert patient.mrn not in body and "referred" not in body.lower()


def test_portal_invite_without_an_email_is_a_clear_error(alice_client, alice, clinic):
    p = services.patient_create(
        clinic=clinic,
        by=alice.user,
        given_name="No",
        family_name="Mail",
        birth_date=dt.date(1990, 1, 1),
        phone="312 555 0111",
        preferred_contact="phone",
    )
    response = alice_client.post(reverse("patients:portal_invite", args=[p.pk]), follow=True)
    assert b"Add the patient" in response.content
    assert mail.outbox == []


def test_an_unknown_patient_is_a_404_not_a_500(alice_client):
    assert alice_client.get(reverse("patients:detail", args=[999999])).status_code == 404
    assert alice_client.get("/patients/abc/").status_code == 404


def test_the_list_page_does_a_fixed_number_of_queries(
    alice_client, many, django_assert_max_num_queries
):
    # No N+1: the care team of 25 patients on a page comes from one prefetch; their scores
    # and triage columns from three queries (see test_triage.py for a fuller check); the
    # access log adds two inserts (the page, and the patients it showed).
    with django_assert_max_num_queries(17):
        alice_client.get(reverse("patients:list"))


def test_times_are_shown_in_the_clinics_time_zone(alice_client, alice, clinic):
    import time_machine

    # 15:30 UTC on 1 July is 10:30 in Chicago (CDT, UTC-5).
    with time_machine.travel(dt.datetime(2026, 7, 1, 15, 30, tzinfo=dt.UTC), tick=False):
        p = services.patient_create(
            clinic=clinic,
            by=alice.user,
            given_name="Tz",
            family_name="Zone",
            birth_date=dt.date(1990, 1, 1),
            email="tz@patient.test",
        )
    content = alice_client.get(reverse("patients:detail", args=[p.pk])).content
    assert b"1 Jul 2026, 10:30" in content
    assert b"1 Jul 2026, 15:30" not in content


def test_the_audit_trail_shows_phase_labels_once_per_move(alice_client, alice, patient):
    services.patient_phase_change(
        patient=patient, to_phase="evaluation", reason="booked", by=alice.user
    )
    content = alice_client.get(reverse("patients:audit", args=[patient.pk])).content.decode()
    assert "phase: <del>Referred</del> → <ins>Evaluation</ins>" in content
    assert content.count("<ins>Evaluation</ins>") == 1


SIDE_EFFECT_ITEMS = ("dissociation", "nausea", "dizziness", "headache", "sleep", "mood", "memory")


def test_the_chart_shows_open_alerts_urgent_first(alice_client, patient):
    from django.utils import timezone

    from ketacare.measures import services as measures

    measures.response_record(
        patient=patient,
        instrument="side_effects",
        answers=dict.fromkeys(SIDE_EFFECT_ITEMS, 0) | {"craving": 2},
        context="post_24h",
        source="link",
        collected_at=timezone.now(),
    )
    measures.response_record(
        patient=patient,
        instrument="phq9",
        answers={str(i): 0 for i in range(1, 9)} | {"9": 1},
        context="weekly",
        source="link",
        collected_at=timezone.now(),
    )
    content = alice_client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert "Open alerts (2)" in content
    assert content.index("PHQ-9 item 9") < content.index("craving")


def test_the_audit_trail_shows_questionnaire_corrections_with_the_reason(
    alice_client, alice, patient
):
    from django.utils import timezone

    from ketacare.measures import services as measures

    response, _ = measures.response_record(
        patient=patient,
        instrument="gad7",
        answers={str(i): 1 for i in range(1, 8)},
        context="weekly",
        source="link",
        collected_at=timezone.now(),
    )
    measures.response_amend(
        response=response,
        answers={str(i): 1 for i in range(1, 7)} | {"7": 3},
        reason="patient phoned to correct item 7",
        by=alice.user,
    )
    content = alice_client.get(reverse("patients:audit", args=[patient.pk])).content.decode()
    assert "GAD-7 of" in content and "corrected" in content
    assert "patient phoned to correct item 7" in content
    assert "total: <del>7</del> → <ins>9</ins>" in content
    assert "item 7: <del>1</del> → <ins>3</ins>" in content


def test_the_timeline_shows_scores_and_alerts(alice_client, patient):
    from django.utils import timezone

    from ketacare.measures import services as measures

    measures.response_record(
        patient=patient,
        instrument="phq9",
        answers={str(i): 1 for i in range(1, 9)} | {"9": 1},
        context="weekly",
        source="link",
        collected_at=timezone.now(),
    )
    content = alice_client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert "PHQ-9: 9 (Mild)" in content
    assert "Urgent alert (open)" in content


def test_every_care_team_role_sees_needs_attention_first_and_keeps_its_own_choice(
    alice_client, bob, many
):
    from ketacare.conftest import client_for

    for client in (alice_client, client_for(bob.user)):  # prescriber, nurse
        first = client.get(reverse("patients:list"))
        assert first.context["form"]["sort"].value() == "attention"
        assert b"needs attention first:" in first.content
    alice_client.get(reverse("patients:list"), {"sort": "-name"})
    again = alice_client.get(reverse("patients:list"))
    assert again.context["form"]["sort"].value() == "-name"


def test_a_discharge_reads_as_a_sentence_and_the_empty_team_says_why(alice_client, alice, patient):
    page = alice_client.post(
        reverse("patients:phase_change", args=[patient.pk]),
        {"to_phase": "discharged", "reason": "Declined treatment"},
        follow=True,
    )
    text = page.content.decode()
    assert f"{patient.display_name} has been discharged." in text
    assert "is now in discharged" not in text
    assert "the patient has been discharged" in text
    listed = alice_client.get(reverse("patients:list")).content.decode()
    assert '<span class="muted">none (discharged)</span></td>' in listed


def test_a_birth_date_under_the_minimum_age_is_refused_beside_the_field(alice_client, clinic):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = alice_client.post(
        reverse("patients:create"), {**VALID, "birth_date": yesterday.isoformat()}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["birth_date"]
    assert any("aged 18 or over" in e for e in errors)
    assert not Patient.objects.exists()
    clinic.clinical_settings = {"minimum_age_years": 16}
    clinic.save(update_fields=["clinical_settings"])
    sixteen = dt.date(timezone.localdate().year - 17, 1, 1)
    ok = alice_client.post(reverse("patients:create"), {**VALID, "birth_date": sixteen.isoformat()})
    assert ok.status_code == 302


def test_sex_at_birth_is_optional_in_both_forms_and_stored_as_not_recorded(alice_client, patient):
    for url in (reverse("patients:create"), reverse("patients:edit", args=[patient.pk])):
        assert not alice_client.get(url).context["form"].fields["sex_at_birth"].required
    response = alice_client.post(reverse("patients:create"), {**VALID, "sex_at_birth": ""})
    assert response.status_code == 302
    assert Patient.objects.get(family_name="Nguyen").sex_at_birth == "unknown"
