"""What a check-in message says: the clinic's own crisis help and times in the clinic's zone."""

import datetime as dt

from django.core import mail

from ketacare.checkins import services
from ketacare.checkins.tests.conftest import deliver
from ketacare.outbox import sms

SENT_AT = dt.datetime(2026, 3, 4, 20, 0, tzinfo=dt.UTC)  # 5 March 10:00 at UTC+14


def _crisis_lines(clinic):
    clinic.emergency_number = "911"
    clinic.crisis_line_name = "988 Suicide & Crisis Lifeline"
    clinic.crisis_line_number = "988"
    clinic.crisis_line_note = "call or text"
    clinic.save()


def test_the_email_names_the_clinics_crisis_lines_and_its_time(checkin, clinic):
    _crisis_lines(clinic)
    clinic.time_zone = "Pacific/Kiritimati"
    clinic.save()
    checkin.patient.refresh_from_db()
    services.checkin_send(checkin, now=SENT_AT)
    deliver(now=SENT_AT)
    body = mail.outbox[0].body
    assert "call 911, or 988 Suicide & Crisis Lifeline on 988 (call or text)" in body
    assert "your local emergency number" not in body
    checkin.refresh_from_db()
    local = checkin.expires_at.astimezone(clinic.tz)
    assert f"until {local.day} {local:%B}, {local:%H:%M} +14" in body


def test_without_crisis_lines_the_email_keeps_the_general_wording(checkin):
    services.checkin_send(checkin, now=SENT_AT)
    deliver(now=SENT_AT)
    assert "call your local emergency number" in mail.outbox[0].body


def test_a_text_message_carries_the_emergency_number(checkin, clinic):
    _crisis_lines(clinic)
    patient = checkin.patient
    patient.preferred_contact = "sms"
    patient.phone = "+13125550142"
    patient.save()
    services.checkin_send(checkin, now=SENT_AT)
    deliver(now=SENT_AT)
    assert sms.outbox[-1].body.endswith("In crisis call 911 or 988.")


def test_plain_text_messages_are_not_html_escaped(checkin, clinic):
    clinic.name = "Harbour & Hill"
    clinic.save()
    checkin.patient.refresh_from_db()
    services.checkin_send(checkin, now=SENT_AT)
    deliver(now=SENT_AT)
    assert "Harbour & Hill" in mail.outbox[0].subject
    assert "Harbour &amp; Hill" not in mail.outbox[0].body
