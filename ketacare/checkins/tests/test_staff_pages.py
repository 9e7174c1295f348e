import datetime as dt

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ketacare.checkins import services as checkin_services
from ketacare.checkins.models import CheckIn
from ketacare.checkins.tests.conftest import deliver


def test_send_now_creates_and_sends_a_check_in(alice_client, patient):
    alice_client.post(reverse("measures:send_now", args=[patient.pk]))
    checkin = CheckIn.objects.get()
    assert checkin.status == "sent" and checkin.channel == "email"
    deliver()
    assert mail.outbox[-1].to == [patient.email]


def test_missed_check_ins_are_on_the_coordinators_list_and_can_be_resent(
    alice_client, patient, other_clinic, charlie
):
    from ketacare.patients import services as ps

    outsider_patient = ps.patient_create(
        clinic=other_clinic,
        by=charlie.user,
        given_name="Far",
        family_name="Away",
        birth_date=dt.date(1980, 1, 1),
        email="f@a.test",
    )
    for p in (patient, outsider_patient):
        c = checkin_services.checkin_create(
            patient=p,
            instruments_=["gad7"],
            context="weekly",
            due_at=timezone.now() - dt.timedelta(days=5),
        )
        checkin_services.checkin_send(c, now=timezone.now() - dt.timedelta(days=5))
    checkin_services.checkins_expire(now=timezone.now())
    page = alice_client.get(reverse("measures:worklist"))
    assert b"Pat Example" in page.content and b"Far Away" not in page.content
    mine = CheckIn.objects.get(patient=patient)
    alice_client.post(reverse("measures:resend", args=[mine.pk]), {"next": "https://evil.test/"})
    mine.refresh_from_db()
    # Its time point is over: it stays missed, and a fresh ad-hoc check-in goes out instead.
    assert mine.status == "missed" and mine.expires_at < timezone.now()
    assert mine.events.filter(event="replaced").exists()
    instead = CheckIn.objects.get(patient=patient, context="ad_hoc")
    assert instead.status == "sent" and instead.instruments == ["gad7"]
    theirs = CheckIn.objects.get(patient=outsider_patient)
    assert alice_client.post(reverse("measures:resend", args=[theirs.pk])).status_code == 404
