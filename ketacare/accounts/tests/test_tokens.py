import re

from django.urls import reverse

from ketacare.accounts.models import ApiToken


def test_it_creates_a_token_shown_once_and_stored_hashed(alice_client, alice):
    response = alice_client.post(reverse("accounts:tokens"), {"name": "EHR sync"})
    assert response.status_code == 200
    plaintext = re.search(rb"kc_[0-9a-f]{12}_[\w-]+", response.content).group(0).decode()
    token = ApiToken.objects.get(staff_member=alice)
    assert plaintext.split("_", 2)[2] not in token.secret_hash
    assert token.check_secret(plaintext.split("_", 2)[2])
    assert plaintext.encode() not in alice_client.get(reverse("accounts:tokens")).content


def test_a_token_needs_a_name(alice_client):
    response = alice_client.post(reverse("accounts:tokens"), {"name": ""})
    assert b"This field is required" in response.content
    assert not ApiToken.objects.exists()


def test_it_revokes_own_tokens_only(alice_client, bob):
    from ketacare.accounts.services import api_token_create

    theirs, _ = api_token_create(member=bob, name="x")
    response = alice_client.post(reverse("accounts:token_revoke", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_revoking_a_token_stops_it_at_once(alice_client, alice):
    from ketacare.accounts.services import api_token_create

    token, plaintext = api_token_create(member=alice, name="x")
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert alice_client.get("/api/v1/patients", headers=headers).status_code == 200
    alice_client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert alice_client.get("/api/v1/patients", headers=headers).status_code == 401
