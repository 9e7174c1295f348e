"""The client's address behind the documented TLS proxy: one function for lockouts,
rate limits and the access log; off by default, so a forged header is ignored."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from ketacare.accounts.tests.test_settings import _run
from ketacare.audit.models import AccessEvent
from ketacare.conftest import PASSWORD
from ketacare.lib.client_address import client_ip

PROXY = "10.0.0.2"
STRANGER = "203.0.113.9"
CLINICIAN = "198.51.100.20"


@pytest.fixture
def behind_proxy(settings):
    settings.KETACARE_CLIENT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    settings.KETACARE_CLIENT_IP_PROXY_COUNT = 1


def _request(remote=PROXY, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_configured_proxy_a_forwarded_header_is_ignored(settings):
    settings.KETACARE_CLIENT_IP_META_KEY = ""
    assert client_ip(_request(remote="192.0.2.1", forwarded=STRANGER)) == "192.0.2.1"


def test_behind_the_proxy_the_address_the_proxy_saw_is_used(behind_proxy):
    assert client_ip(_request(forwarded=CLINICIAN)) == CLINICIAN


def test_addresses_a_client_typed_to_the_left_are_ignored(behind_proxy):
    assert client_ip(_request(forwarded=f"1.2.3.4, {CLINICIAN}")) == CLINICIAN


def test_with_two_proxies_the_second_entry_from_the_right_is_used(behind_proxy, settings):
    settings.KETACARE_CLIENT_IP_PROXY_COUNT = 2
    assert client_ip(_request(forwarded=f"1.2.3.4, {CLINICIAN}, 10.0.0.9")) == CLINICIAN
    # Fewer entries than proxies: the request skipped a proxy; trust only the socket.
    assert client_ip(_request(forwarded=CLINICIAN)) == PROXY


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", "999.1.1.1", " , "])
def test_a_missing_or_malformed_header_falls_back_to_the_socket(behind_proxy, forwarded):
    assert client_ip(_request(forwarded=forwarded)) == PROXY


def test_ipv6_is_kept_and_normalised(behind_proxy):
    assert client_ip(_request(forwarded="2001:DB8::0:1")) == "2001:db8::1"


def _sign_in(address, password, user):
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address).post(
        reverse("accounts:login"), {"username": user.email, "password": password}
    )


def test_a_stranger_behind_the_proxy_cannot_lock_the_clinician_out(behind_proxy, alice):
    """The reported hole: five wrong passwords from anywhere locked the clinician out."""
    for _ in range(5):
        _sign_in(STRANGER, "wrong guess", alice.user)
    assert _sign_in(STRANGER, PASSWORD, alice.user).status_code == 429  # stranger paused
    response = _sign_in(CLINICIAN, PASSWORD, alice.user)
    assert response.status_code == 302  # the clinician, elsewhere, signs in


def test_the_access_log_records_the_clients_address_not_the_proxys(behind_proxy, alice, patient):
    c = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLINICIAN)
    c.force_login(alice.user)
    assert c.get(reverse("patients:detail", args=[patient.pk])).status_code == 200
    assert set(AccessEvent.objects.values_list("ip_address", flat=True)) == {CLINICIAN}


def test_a_header_name_that_is_not_one_is_refused_at_start():
    result = _run(["check"], KETACARE_DEMO="true", CLIENT_IP_HEADER="X-Forwarded-For: 1.2.3.4")
    assert result.returncode != 0
    assert "CLIENT_IP_HEADER must be a header name" in result.stderr
