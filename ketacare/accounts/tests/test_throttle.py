"""Email-sending endpoints and API tokens are rate-limited; the counts are shared by
every worker (database cache) and a limit never tells whether an account exists."""

import json
import threading

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.urls import reverse

from ketacare.accounts.services import api_token_create
from ketacare.outbox.models import Message

MAGIC = reverse("portal:magic_request")
RESET = reverse("accounts:password_reset")


def _retry_after(response):
    value = int(response["Retry-After"])
    assert 1 <= value <= 3600
    return value


def test_twenty_sign_in_link_requests_do_not_send_twenty_emails(patient_user):
    """The reported hole: each request sent an email."""
    c = Client()
    answers = [c.post(MAGIC, {"email": patient_user.email}) for _ in range(20)]
    assert Message.objects.count() == 5  # queued; the worker sends them
    assert [r.status_code for r in answers] == [200] * 5 + [429] * 15
    _retry_after(answers[-1])
    assert b"Please try again in" in answers[-1].content


def test_changing_address_does_not_get_round_the_per_recipient_limit(patient_user):
    for i in range(8):
        Client(REMOTE_ADDR=f"192.0.2.{i}").post(MAGIC, {"email": patient_user.email.upper()})
    assert Message.objects.count() == 5  # queued; the worker sends them


def test_one_address_cannot_spray_links_to_many_people(settings, db):
    settings.KETACARE_EMAIL_RATE_PER_ADDRESS = "3/h"
    c = Client(REMOTE_ADDR="192.0.2.50")
    codes = [c.post(MAGIC, {"email": f"p{i}@example.test"}).status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert (
        Client(REMOTE_ADDR="192.0.2.51").post(MAGIC, {"email": "x@example.test"}).status_code == 200
    )


def test_a_limit_looks_the_same_for_unknown_and_known_addresses(patient_user):
    c = Client()
    known = [c.post(MAGIC, {"email": patient_user.email}).status_code for _ in range(6)]
    unknown = [c.post(MAGIC, {"email": "nobody@example.test"}).status_code for _ in range(6)]
    assert known == unknown == [200] * 5 + [429]


def test_showing_the_form_is_not_counted(patient_user):
    c = Client()
    for _ in range(10):
        assert c.get(MAGIC).status_code == 200
    assert c.post(MAGIC, {"email": patient_user.email}).status_code == 200


@pytest.mark.parametrize("who", ["alice", "patient_user"])
def test_password_reset_is_limited_for_staff_and_patients(request, who):
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)
    answers = [Client().post(RESET, {"email": user.email}) for _ in range(7)]
    assert Message.objects.count() == 5  # queued; the worker sends them
    assert [r.status_code for r in answers] == [302] * 5 + [429] * 2
    _retry_after(answers[-1])


# --- API and FHIR, per token ---------------------------------------------------------


@pytest.fixture
def small_token_rate(settings):
    settings.KETACARE_API_RATE_PER_TOKEN = "3/m"


def _bearer(member):
    return {"Authorization": f"Bearer {api_token_create(member=member, name='t')[1]}"}


def test_the_api_answers_429_json_with_retry_after_per_token(small_token_rate, alice, bob):
    auth = _bearer(alice)
    c = Client()
    codes = [c.get("/api/v1/patients", headers=auth).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    refused = c.get("/api/v1/patients", headers=auth)
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    assert "Too many requests" in refused.json()["detail"]
    _retry_after(refused)
    # Another token is counted on its own.
    assert c.get("/api/v1/patients", headers=_bearer(bob)).status_code == 200


def test_fhir_answers_429_with_an_operation_outcome(small_token_rate, alice):
    auth = _bearer(alice)
    c = Client()
    for _ in range(3):
        assert c.get("/fhir/Questionnaire", headers=auth).status_code == 200
    refused = c.get("/fhir/Questionnaire", headers=auth)
    assert refused.status_code == 429
    body = json.loads(refused.content)
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "throttled"
    _retry_after(refused)


def test_api_and_fhir_share_one_count_per_token(small_token_rate, alice):
    auth = _bearer(alice)
    c = Client()
    c.get("/api/v1/patients", headers=auth)
    c.get("/fhir/Questionnaire", headers=auth)
    c.get("/api/v1/patients", headers=auth)
    assert c.get("/fhir/Questionnaire", headers=auth).status_code == 429


def test_a_bad_token_is_refused_before_it_is_counted(small_token_rate, db):
    c = Client()
    for _ in range(5):
        response = c.get("/api/v1/patients", headers={"Authorization": "Bearer kc_x_y"})
        assert response.status_code == 401


# --- the shared cache ------------------------------------------------------------------


def _expires():
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM ketacare_cache")
        return cursor.fetchone()[0]


def test_the_shared_cache_keeps_the_window_when_counting(db):
    """A plain DatabaseCache.incr resets the expiry to the default, ending windows early."""
    cache = caches["default"]
    cache.add("k", 0, 120)
    expires = _expires()
    assert cache.incr("k") == 1
    assert cache.incr("k", 5) == 6
    assert _expires() == expires
    with pytest.raises(ValueError):
        cache.incr("missing")


@pytest.mark.django_db(transaction=True)
def test_the_shared_cache_counts_every_increment_from_concurrent_workers():
    cache = caches["default"]
    cache.delete("race")
    cache.add("race", 0, 600)
    per_thread, threads = 25, 4

    def work():
        try:
            for _ in range(per_thread):
                caches["default"].incr("race")
        finally:
            connection.close()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert cache.get("race") == per_thread * threads
    cache.delete("race")
