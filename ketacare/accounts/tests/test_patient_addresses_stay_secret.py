"""A clinic cannot learn that an email address belongs to a patient account anywhere.

The reported hole: adding staff with a patient's address answered "This address belongs
to a patient account", and the portal invitation answered "already belongs to another
account", while an unknown address was accepted. Being a patient of a ketamine clinic is
health information. Now both answer exactly as for a new address; nothing is linked, and
the address's owner alone is told, by a queued email.
"""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from ketacare.accounts.models import StaffMember, User
from ketacare.accounts.tests.sending import send_queued
from ketacare.outbox.models import Message
from ketacare.patients import services as patient_services

INVITE = reverse("accounts:staff_invite")


def _message_texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _invite(client, email, name):
    return client.post(INVITE, {"full_name": name, "email": email, "roles": ["nurse"]}, follow=True)


def _names_on_staff_list(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def patient_elsewhere(charlie, other_clinic):
    """A portal account at another clinic; the admin here has never seen it."""
    record = patient_services.patient_create(
        clinic=other_clinic,
        by=charlie.user,
        given_name="Remy",
        family_name="Elsewhere",
        birth_date=dt.date(1980, 5, 5),
        email="remy@patient.test",
    )
    user = User.objects.create_user(email=record.email, full_name="Remy Elsewhere")
    record.portal_user = user
    record.save(update_fields=["portal_user"])
    return user


def test_adding_staff_answers_the_same_for_a_patient_address_and_a_new_one(
    admin_client_, patient_elsewhere
):
    patient = _invite(admin_client_, patient_elsewhere.email, "Remy Elsewhere")
    new = _invite(admin_client_, "nia@harbour.test", "Nia Nurse")
    assert patient.redirect_chain == new.redirect_chain == [(reverse("accounts:staff_list"), 302)]
    assert _message_texts(patient) == [f"Invitation sent to {patient_elsewhere.email}."]
    assert _message_texts(new) == ["Invitation sent to nia@harbour.test."]
    # No phantom: the patient is not staff, so the list (the admin's next view) lacks them.
    assert not StaffMember.objects.filter(user=patient_elsewhere).exists()
    assert "Remy" not in _names_on_staff_list(patient)
    assert StaffMember.objects.filter(user__email="nia@harbour.test").exists()


def test_the_patient_address_gets_a_neutral_email_sent_later_not_during_the_request(
    admin_client_, patient_elsewhere, admin
):
    _invite(admin_client_, patient_elsewhere.email, "Remy Elsewhere")
    assert mail.outbox == []  # nothing leaves during the request
    assert Message.objects.get().to == patient_elsewhere.email
    assert send_queued()["sent"] == 1
    body = mail.outbox[0].body
    assert admin.clinic.name in body and "apart" in body
    assert "http" not in body  # no link to act on


def test_adding_staff_with_a_patient_address_at_this_clinic_answers_the_same(
    admin_client_, patient_user
):
    response = _invite(admin_client_, patient_user.email, "Pat Example")
    assert _message_texts(response) == [f"Invitation sent to {patient_user.email}."]
    assert not StaffMember.objects.filter(user=patient_user).exists()


def test_a_portal_invite_to_an_address_of_a_patient_elsewhere_answers_as_for_a_new_one(
    alice_client, alice, clinic, patient_elsewhere
):
    def record(email, mrn):
        return patient_services.patient_create(
            clinic=clinic,
            by=alice.user,
            mrn=mrn,
            given_name="Sam",
            family_name="Here",
            birth_date=dt.date(1990, 2, 2),
            email=email,
        )

    taken, fresh = record(patient_elsewhere.email, "HB-7"), record("sam@patient.test", "HB-8")
    answers = [
        alice_client.post(reverse("patients:portal_invite", args=[p.pk]), follow=True)
        for p in (taken, fresh)
    ]
    assert [r.status_code for r in answers] == [200, 200]
    assert _message_texts(answers[0]) == [
        f"A portal sign-in link was emailed to {patient_elsewhere.email}."
    ]
    assert _message_texts(answers[1]) == ["A portal sign-in link was emailed to sam@patient.test."]
    taken.refresh_from_db()
    assert taken.portal_user is None  # never linked to someone else's account
    assert sorted(Message.objects.values_list("to", flat=True)) == sorted(
        [patient_elsewhere.email, "sam@patient.test"]
    )
    send_queued()
    kept_apart = next(m for m in mail.outbox if m.to == [patient_elsewhere.email])
    assert "http" not in kept_apart.body and "Sam" not in kept_apart.body


def test_a_portal_invite_to_a_staff_address_is_still_refused(alice_client, alice, clinic):
    record = patient_services.patient_create(
        clinic=clinic,
        by=alice.user,
        mrn="HB-9",
        given_name="Al",
        family_name="Ice",
        birth_date=dt.date(1990, 2, 2),
        email=alice.user.email,
    )
    response = alice_client.post(reverse("patients:portal_invite", args=[record.pk]), follow=True)
    assert _message_texts(response) == ["This email address already belongs to another account."]
    assert not Message.objects.exists()
