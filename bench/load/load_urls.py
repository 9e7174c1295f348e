"""ketacare's URLs plus a bare view that does one insert: the yardstick for the load run."""

import secrets
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone

from ketacare.urls import urlpatterns as ketacare_urls


def bare_insert(request: HttpRequest) -> HttpResponse:
    """The least a Django request that writes can cost on this stack: one INSERT."""
    Session.objects.create(
        session_key=secrets.token_hex(16),
        session_data="",
        expire_date=timezone.now() + timedelta(minutes=5),
    )
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/insert/", bare_insert), *ketacare_urls]
