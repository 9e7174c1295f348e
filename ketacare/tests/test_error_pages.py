from django.test import RequestFactory
from django.views.defaults import server_error


def test_an_unknown_address_gets_the_friendly_404(alice_client):
    response = alice_client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Not found" in response.content
    assert b"Traceback" not in response.content


def test_the_500_page_leaks_nothing_and_reassures(db):
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"Traceback" not in response.content and b"SECRET" not in response.content


def test_pages_send_a_strict_content_security_policy(alice_client):
    policy = alice_client.get("/patients/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
