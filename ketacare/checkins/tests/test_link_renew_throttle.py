"""'Send me a new link' is limited per patient and per client address."""

import datetime as dt

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ketacare.checkins.tests.conftest import deliver


def _expire_links(checkin):
    """The check-in is still open; its links have run out (a patient who waited a day)."""
    past = timezone.now() - dt.timedelta(hours=1)
    # Each earlier link is old enough that the ten-minute pause never applies.
    checkin.links.update(expires_at=past, created_at=past - dt.timedelta(hours=72))
    # ... and so is their last request: the ten-minute pause is not what is tested here.
    type(checkin).objects.filter(pk=checkin.pk).update(renew_requested_at=None)


def test_new_link_requests_are_limited_per_patient_with_retry_after(client, sent, settings):
    settings.KETACARE_EMAIL_RATE_PER_RECIPIENT = "2/h"
    checkin, token = sent
    codes = []
    for i in range(4):
        _expire_links(checkin)
        response = client.post(
            reverse("measures:link_renew", args=[token]), REMOTE_ADDR=f"192.0.2.{i}"
        )
        codes.append(response.status_code)
        deliver()  # each link leaves through the outbox before the next request
    assert codes == [200, 200, 429, 429]
    assert len(mail.outbox) == 2
    assert int(response["Retry-After"]) >= 1
    assert b"Please try again in" in response.content
