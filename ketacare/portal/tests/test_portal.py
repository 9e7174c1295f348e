import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from ketacare.accounts.tests.sending import send_queued
from ketacare.audit.models import AccessAction, AccessEvent
from ketacare.conftest import PASSWORD
from ketacare.patients import services


def test_a_patient_signs_in_and_sees_their_own_record(patient_user, patient, bob, alice):
    services.care_team_add(patient=patient, staff_member=bob, role="nurse", by=alice.user)
    c = Client()
    response = c.post(
        reverse("portal:login"), {"username": patient_user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    page = c.get(reverse("portal:home"))
    assert page.status_code == 200
    assert b"Hello, Pat" in page.content
    assert b"Bob Nurse" in page.content
    assert b"emergency" in page.content
    assert (
        AccessEvent.objects.filter(action=AccessAction.PORTAL_VIEW, actor=patient_user).count() == 1
    )


def test_a_patient_sets_a_password_from_the_invite(alice, patient):
    services.patient_portal_invite(patient=patient, by=alice.user)
    send_queued()
    link = re.search(r"http://\S+", mail.outbox[0].body).group(0)
    c = Client()
    form_page = c.get(link, follow=True)
    assert b"Choose a password" in form_page.content
    weak = c.post(form_page.request["PATH_INFO"], {"new_password1": "123", "new_password2": "123"})
    assert b"too short" in weak.content
    done = c.post(
        form_page.request["PATH_INFO"],
        {"new_password1": "river stone lantern 9", "new_password2": "river stone lantern 9"},
    )
    assert done.status_code == 302
    signed_in = Client().post(
        reverse("portal:login"), {"username": patient.email, "password": "river stone lantern 9"}
    )
    assert signed_in.status_code == 302
    # the link works once
    assert b"already been used" in Client().get(link, follow=True).content


def test_the_portal_sign_in_page_shows_crisis_help_without_signing_in(db):
    assert b"emergency number" in Client().get(reverse("portal:login")).content
