"""Account emails leave through the outbox, never during the request.

The reported hole: sent during the request, a mail server that was down turned a portal
sign-in link, a staff step-up confirmation, an invitation or a password reset into a 500,
and only for addresses that have an account, so the error told a stranger who is a
patient. Now the answer is the same for known and unknown addresses, mail server up or
down; the worker sends afterwards and retries.
"""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ketacare.accounts.tests.sending import REFUSING_BACKEND, send_queued
from ketacare.conftest import PASSWORD
from ketacare.outbox.models import Message, MessageStatus


@pytest.fixture
def mail_server_down(settings):
    settings.EMAIL_BACKEND = REFUSING_BACKEND


def _visible(response) -> str:
    """The page as a visitor sees it, without the per-request CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_portal_sign_in_link_answers_the_same_for_known_and_unknown_with_mail_down(
    mail_server_down, patient_user
):
    url = reverse("portal:magic_request")
    known = Client().post(url, {"email": patient_user.email})
    unknown = Client().post(url, {"email": "nobody@patient.test"})
    assert known.status_code == unknown.status_code == 200
    assert _visible(known) == _visible(unknown)
    queued = Message.objects.get()
    assert queued.to == patient_user.email and queued.status == MessageStatus.PENDING


def test_the_worker_retries_a_sign_in_link_the_mail_server_refused(settings, patient_user):
    settings.EMAIL_BACKEND = REFUSING_BACKEND
    Client().post(reverse("portal:magic_request"), {"email": patient_user.email})
    assert send_queued() == {"sent": 0, "failed": 1}
    message = Message.objects.get()
    assert message.status == MessageStatus.PENDING
    assert "ConnectionRefusedError" in message.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_queued(later=dt.timedelta(minutes=2)) == {"sent": 1, "failed": 0}
    found = re.search(r"https?://[^/\s]+(/portal/login/email/\S+/)", mail.outbox[0].body)
    assert found is not None
    path = found[1]
    c = Client()
    assert c.post(path).status_code == 302  # the link still works when it arrives
    assert "_auth_user_id" in c.session


def test_a_second_request_replaces_the_waiting_link(patient_user):
    for _ in range(2):
        Client().post(reverse("portal:magic_request"), {"email": patient_user.email})
    assert Message.objects.filter(status=MessageStatus.PENDING).count() == 1
    assert send_queued()["sent"] == 1 and len(mail.outbox) == 1


def test_staff_step_up_confirmation_with_mail_down_is_not_a_500(settings, mail_server_down, alice):
    settings.KETACARE_SIGNIN_STEP_UP_AFTER = 10
    login = reverse("accounts:login")
    for i in range(12):
        Client(REMOTE_ADDR=f"203.0.113.{i + 1}").post(
            login, {"username": alice.user.email, "password": f"guess {i}"}
        )
    owner = Client(REMOTE_ADDR="198.51.100.20")
    response = owner.post(login, {"username": alice.user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert b"Check your email" in response.content
    assert "_auth_user_id" not in owner.session
    assert Message.objects.get().to == alice.user.email


def test_password_reset_answers_the_same_for_known_and_unknown_with_mail_down(
    mail_server_down, alice
):
    url = reverse("accounts:password_reset")
    known = Client().post(url, {"email": alice.user.email})
    unknown = Client().post(url, {"email": "nobody@harbour.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert Message.objects.get().to == alice.user.email
    assert re.search(r"/accounts/password-reset/\S+/\S+/", Message.objects.get().body)


def test_staff_invite_with_mail_down_adds_the_member_and_queues_the_email(
    mail_server_down, admin_client_
):
    response = admin_client_.post(
        reverse("accounts:staff_invite"),
        {"full_name": "Nia Nurse", "email": "nia@harbour.test", "roles": ["nurse"]},
    )
    assert response.status_code == 302
    assert Message.objects.get().to == "nia@harbour.test"


def test_portal_invite_with_mail_down_is_not_a_500(mail_server_down, alice_client, patient):
    response = alice_client.post(reverse("patients:portal_invite", args=[patient.pk]))
    assert response.status_code == 302
    assert Message.objects.get().to == patient.email
