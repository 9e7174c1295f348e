import datetime as dt
import re

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ketacare.alerts.models import Alert
from ketacare.checkins import services
from ketacare.checkins.models import CheckIn, CheckInEvent
from ketacare.checkins.tests.conftest import deliver, fill
from ketacare.measures.models import Response


def url(token, name="measures:link"):
    return reverse(name, args=[token])


def test_opening_the_link_shows_the_questionnaire_and_records_the_opening(client, sent):
    checkin, token = sent
    response = client.get(url(token))
    assert response.status_code == 200
    assert b"Feeling nervous, anxious, or on edge" in response.content
    assert b"Little interest or pleasure" in response.content
    checkin.refresh_from_db()
    assert checkin.status == "opened" and checkin.opened_at is not None
    assert CheckInEvent.objects.filter(checkin=checkin, event="opened").count() == 1


def test_each_answer_is_saved_as_it_is_given_and_survives_a_reload(client, sent):
    checkin, token = sent
    client.get(url(token))
    response = client.post(
        url(token, "measures:link_save"),
        {"name": "gad7.3", "gad7.3": "2"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert b"Saved." in response.content
    checkin.refresh_from_db()
    assert checkin.draft == {"gad7": {"3": 2}} and checkin.status == "started"
    reloaded = client.get(url(token)).content.decode()
    assert re.search(r'id="r-gad7-3-2"[^>]*checked', reloaded)


def test_an_answer_out_of_range_is_refused_and_nothing_is_lost(client, sent):
    checkin, token = sent
    client.post(url(token, "measures:link_save"), {"name": "gad7.1", "gad7.1": "1"})
    response = client.post(url(token, "measures:link_save"), {"name": "gad7.2", "gad7.2": "9"})
    assert response.status_code == 422
    checkin.refresh_from_db()
    assert checkin.draft == {"gad7": {"1": 1}}


def test_submitting_a_half_filled_check_in_names_the_missing_questions_and_keeps_the_draft(
    client, sent
):
    checkin, token = sent
    fill(checkin, "gad7")
    response = client.post(url(token), {})
    assert response.status_code == 422
    assert b"still need an answer" in response.content
    assert response.content.count(b"Please answer this question.") == 9  # the PHQ-9 items
    checkin.refresh_from_db()
    assert checkin.status == "started" and len(checkin.draft["gad7"]) == 7
    assert not Response.objects.exists()


def test_a_complete_check_in_is_scored_stored_and_the_link_then_refused_politely(client, sent):
    checkin, token = sent
    fill(checkin, "gad7", 2)
    fill(checkin, "phq9", 1, **{"9": 0})
    response = client.post(url(token), {})
    assert response.status_code == 200
    assert b"Thank you" in response.content
    gad = Response.objects.get(instrument="gad7")
    assert (gad.total, gad.band, gad.source, gad.context) == (14, "Moderate", "link", "weekly")
    assert Response.objects.get(instrument="phq9").total == 8
    checkin.refresh_from_db()
    assert checkin.status == "submitted" and checkin.submitted_at is not None
    again = client.get(url(token))
    assert again.status_code == 410
    assert b"this check-in is done" in again.content
    assert not Alert.objects.exists()


def test_phq9_item9_creates_an_urgent_alert_in_the_same_request_and_shows_crisis_help(
    client, sent, django_capture_on_commit_callbacks, bob, alice
):
    from ketacare.patients import services as patient_services

    checkin, token = sent
    patient_services.care_team_add(
        patient=checkin.patient, staff_member=bob, role="nurse", by=alice.user
    )
    fill(checkin, "gad7", 1)
    fill(checkin, "phq9", 0, **{"9": 1})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(token), {})
    assert b"Thank you for telling us" in response.content
    assert b"emergency" in response.content
    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.status) == ("phq9_item9", "urgent", "open")
    assert alert.response.instrument == "phq9"
    assert alert.evidence["item"] == "9"
    # the care team is emailed, without clinical detail or identifier, once it is committed
    assert deliver()["sent"] == 1
    assert checkin.patient.mrn not in f"{mail.outbox[-1].subject} {mail.outbox[-1].body}"
    assert mail.outbox[-1].to == [bob.user.email]
    assert "item" not in mail.outbox[-1].body.lower() and "phq" not in mail.outbox[-1].body.lower()


def test_the_plain_form_works_without_javascript(client, sent):
    checkin, token = sent
    data = {f"gad7.{i}": "1" for i in range(1, 8)}
    data.update({f"phq9.{i}": "0" for i in range(1, 10)})
    response = client.post(url(token), data)
    assert response.status_code == 200
    assert Response.objects.get(instrument="gad7").total == 7


def test_an_unknown_token_is_a_kind_404(client, db):
    response = client.get(url("not-a-real-token"))
    assert response.status_code == 404
    assert b"This link does not work" in response.content


def test_an_expired_link_offers_a_new_one_sent_to_the_details_on_file(client, sent):
    checkin, token = sent
    CheckIn.objects.filter(pk=checkin.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    from ketacare.checkins.models import CheckInLink

    CheckInLink.objects.update(
        expires_at=timezone.now() - dt.timedelta(hours=1),
        created_at=timezone.now() - dt.timedelta(hours=73),
    )
    response = client.get(url(token))
    assert response.status_code == 410 and b"Send me a new link" in response.content
    response = client.post(url(token, "measures:link_renew"), {"email": "attacker@evil.test"})
    assert b"new link is on its way" in response.content
    deliver()
    assert mail.outbox[-1].to == [checkin.patient.email]
    new_token = re.search(r"/c/([\w-]+)/", mail.outbox[-1].body).group(1)
    assert new_token != token
    assert client.get(url(new_token)).status_code == 200
    assert client.get(url(token)).status_code == 410  # the old link is replaced


def test_the_emailed_message_carries_a_link_and_no_clinical_details(
    sent, django_capture_on_commit_callbacks
):
    checkin, _ = sent
    services.checkin_send(checkin, now=timezone.now())
    deliver()
    body = mail.outbox[-1].body
    assert "/c/" in body
    for word in ("GAD", "PHQ", "anxiety", "ketamine", checkin.patient.mrn):
        assert word.lower() not in body.lower()


def test_asking_again_and_again_sends_one_new_link_per_ten_minutes(client, sent):
    checkin, token = sent
    past = timezone.now() - dt.timedelta(hours=1)
    CheckIn.objects.filter(pk=checkin.pk).update(expires_at=past)
    checkin.links.update(expires_at=past, created_at=past - dt.timedelta(hours=72))
    for _ in range(3):
        client.post(url(token, "measures:link_renew"))
    deliver()
    assert len(mail.outbox) == 1
