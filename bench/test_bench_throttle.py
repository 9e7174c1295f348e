"""What the per-token rate limit costs each API request (shared database cache).

Run on purpose with `make bench`; results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client

from ketacare.accounts.models import Clinic, Role, StaffMember, User
from ketacare.accounts.services import api_token_create

NEVER_REFUSE = "100000000/m"  # measure the count, never answer 429


@pytest.fixture
def token(db, settings):
    settings.KETACARE_API_RATE_PER_TOKEN = NEVER_REFUSE
    clinic = Clinic.objects.create(name="Bench", slug="bench")
    user = User.objects.create_user(email="t@bench.test", full_name="Bench", password="x")
    member = StaffMember.objects.create(user=user, clinic=clinic, roles=[Role.PRESCRIBER])
    return api_token_create(member=member, name="bench")[1]


@pytest.mark.parametrize("limited", [True, False], ids=["limit-on", "limit-off"])
def test_api_instruments_with_and_without_the_token_limit(benchmark, settings, token, limited):
    settings.RATELIMIT_ENABLE = limited
    c = Client()
    headers = {"Authorization": f"Bearer {token}"}
    response = benchmark(c.get, "/api/v1/instruments", headers=headers)
    assert response.status_code == 200


def test_shared_cache_increment(benchmark, db):
    cache = caches["default"]
    cache.add("bench", 0, 600)
    benchmark(cache.incr, "bench")


def test_one_token_count(benchmark, settings, db):
    """The whole per-request cost: django-ratelimit's add-then-increment on the shared cache."""
    from django.test import RequestFactory

    from ketacare.accounts.throttle import api_token_check

    settings.KETACARE_API_RATE_PER_TOKEN = NEVER_REFUSE
    request = RequestFactory().get("/api/v1/instruments")
    benchmark(api_token_check, request, 1)
