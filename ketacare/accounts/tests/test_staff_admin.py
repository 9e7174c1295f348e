import re

import pytest
from django.core import mail
from django.urls import reverse

from ketacare.accounts.models import StaffMember, User
from ketacare.accounts.tests.sending import send_queued


def test_a_clinic_admin_lists_the_staff(admin_client_, alice, charlie):
    response = admin_client_.get(reverse("accounts:staff_list"))
    assert response.status_code == 200
    assert b"Alice Prescriber" in response.content
    assert b"Charlie" not in response.content


def test_it_invites_a_new_staff_member_who_gets_a_set_password_link(admin_client_, clinic, admin):
    response = admin_client_.post(
        reverse("accounts:staff_invite"),
        {
            "full_name": "Nia Nurse",
            "email": "Nia@Harbour.test",
            "title": "RN",
            "roles": ["nurse"],
        },
    )
    assert response.status_code == 302
    member = StaffMember.objects.get(user__email="nia@harbour.test")
    assert member.clinic == clinic and member.roles == ["nurse"]
    assert member.history.first().history_user == admin.user
    assert mail.outbox == []  # queued; the worker sends it
    send_queued()
    assert len(mail.outbox) == 1
    assert "Harbour" in mail.outbox[0].subject
    assert re.search(r"/accounts/password-reset/\S+/\S+/", mail.outbox[0].body)


def test_inviting_needs_a_role_and_a_valid_email(admin_client_):
    response = admin_client_.post(
        reverse("accounts:staff_invite"), {"full_name": "X", "email": "not-an-email"}
    )
    assert response.status_code == 200
    assert b"Choose at least one role." in response.content
    assert b"valid email" in response.content
    assert not User.objects.filter(full_name="X").exists()


def test_it_refuses_to_invite_someone_already_on_staff(admin_client_, alice):
    response = admin_client_.post(
        reverse("accounts:staff_invite"),
        {"full_name": "Alice", "email": alice.user.email, "roles": ["nurse"]},
    )
    assert response.status_code == 200
    assert b"already on the clinic" in response.content


def test_it_never_makes_a_patient_account_staff(admin_client_, patient_user):
    """Nor says why: see test_patient_addresses_stay_secret."""
    response = admin_client_.post(
        reverse("accounts:staff_invite"),
        {"full_name": "Pat", "email": patient_user.email, "roles": ["nurse"]},
    )
    assert response.status_code == 302
    assert not StaffMember.objects.filter(user=patient_user).exists()


def test_it_edits_roles_and_deactivation_revokes_tokens(admin_client_, alice):
    from ketacare.accounts.services import api_token_create

    token, _ = api_token_create(member=alice, name="script")
    response = admin_client_.post(
        reverse("accounts:staff_edit", args=[alice.pk]),
        {"roles": ["prescriber", "therapist"], "title": "MD"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    token.refresh_from_db()
    assert alice.roles == ["prescriber", "therapist"]
    assert alice.is_active is False  # the box was left unticked
    assert token.revoked_at is not None


def test_the_last_clinic_admin_cannot_remove_their_own_admin_role(admin_client_, admin):
    response = admin_client_.post(
        reverse("accounts:staff_edit", args=[admin.pk]),
        {"roles": ["coordinator"], "is_active": "on"},
    )
    assert response.status_code == 200
    assert b"at least one active clinic admin" in response.content
    admin.refresh_from_db()
    assert "clinic_admin" in admin.roles


def test_clinic_settings_are_saved_with_history(admin_client_, clinic, admin):
    response = admin_client_.post(
        reverse("accounts:clinic_settings"),
        {
            "name": "Harbour Clinic",
            "time_zone": "Europe/Paris",
            "open_days": ["1", "2"],
            "country": "FR",
            "phone": "01 42 68 53 00",
        },
    )
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert (clinic.name, clinic.time_zone, clinic.open_days, clinic.country, clinic.phone) == (
        "Harbour Clinic",
        "Europe/Paris",
        [1, 2],
        "FR",
        "+33142685300",
    )
    assert clinic.history.first().history_user == admin.user


def test_clinic_settings_reject_an_unknown_time_zone(admin_client_, clinic):
    response = admin_client_.post(
        reverse("accounts:clinic_settings"),
        {"name": "Harbour", "time_zone": "Mars/Olympus", "open_days": ["1"]},
    )
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    clinic.refresh_from_db()
    assert clinic.time_zone == "America/Chicago"


def test_switching_to_a_clinic_you_do_not_belong_to_is_refused(alice_client, other_clinic):
    response = alice_client.post(reverse("accounts:clinic_switch"), {"clinic": other_clinic.pk})
    assert response.status_code == 403


def test_staff_of_two_clinics_switch_between_them(alice, other_clinic, patient):
    from ketacare.conftest import client_for

    StaffMember.objects.create(user=alice.user, clinic=other_clinic, roles=["nurse"])
    c = client_for(alice.user)
    assert b"Example" in c.get(reverse("patients:list")).content
    c.post(reverse("accounts:clinic_switch"), {"clinic": other_clinic.pk})
    assert b"Example" not in c.get(reverse("patients:list")).content
    assert c.post(reverse("accounts:clinic_switch"), {"clinic": "abc"}).status_code == 302


@pytest.mark.parametrize(
    ("country", "phone", "message"),
    [
        ("US", "<b>x</b>abc", b"Use only digits"),
        ("US", "\N{SMILING FACE WITH SMILING EYES} 555", b"Use only digits"),
        ("US", "555 0100", b"not a valid phone number"),
        ("", "020 7946 0000", b"Start the number with its country code"),
        ("XX", "+44 20 7946 0000", b"Select a valid choice"),
    ],
)
def test_clinic_phone_must_be_a_real_number(admin_client_, clinic, country, phone, message):
    response = admin_client_.post(
        reverse("accounts:clinic_settings"),
        {
            "name": "Harbour",
            "time_zone": "UTC",
            "open_days": ["1"],
            "country": country,
            "phone": phone,
        },
    )
    assert response.status_code == 200
    assert message in response.content
    clinic.refresh_from_db()
    assert clinic.phone == "+13125550100"  # unchanged


def test_clinic_phone_without_country_code_is_read_in_the_clinics_country(admin_client_, clinic):
    response = admin_client_.post(
        reverse("accounts:clinic_settings"),
        {
            "name": "Harbour",
            "time_zone": "Europe/London",
            "open_days": ["1"],
            "country": "GB",
            "phone": "020 7946 0000",
        },
    )
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.phone == "+442079460000"


def test_inviting_someone_with_an_account_elsewhere_says_their_own_name_is_kept(
    admin_client_, charlie, clinic
):
    response = admin_client_.post(
        reverse("accounts:staff_invite"),
        {"full_name": "Olivia New", "email": charlie.user.email.upper(), "roles": ["nurse"]},
        follow=True,
    )
    text = response.content.decode()
    assert f"in the name {charlie.user.full_name}" in text and "not “Olivia New”" in text
    assert "emailed" not in text  # no email goes to someone who already has a password
    charlie.user.refresh_from_db()
    assert charlie.user.full_name != "Olivia New"
    assert StaffMember.objects.filter(user=charlie.user, clinic=clinic).exists()
