import re

from django.urls import reverse

from ketacare.accounts.models import ApiToken


def test_it_creates_a_token_shown_once_and_stored_hashed(admin_client_, admin):
    response = admin_client_.post(reverse("accounts:tokens"), {"name": "EHR sync"}, follow=True)
    assert response.redirect_chain == [(reverse("accounts:tokens"), 302)]
    assert "no-store" in response["Cache-Control"]
    plaintext = re.search(rb"kc_[0-9a-f]{12}_[\w-]+", response.content).group(0).decode()
    token = ApiToken.objects.get(staff_member=admin)
    assert plaintext.split("_", 2)[2] not in token.secret_hash
    assert token.check_secret(plaintext.split("_", 2)[2])
    assert plaintext.encode() not in admin_client_.get(reverse("accounts:tokens")).content


def test_a_token_needs_a_name(admin_client_):
    response = admin_client_.post(reverse("accounts:tokens"), {"name": ""})
    assert b"This field is required" in response.content
    assert not ApiToken.objects.exists()


def test_it_revokes_own_tokens_only(admin_client_, bob):
    from ketacare.accounts.services import api_token_create

    theirs, _ = api_token_create(member=bob, name="x")
    response = admin_client_.post(reverse("accounts:token_revoke", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_revoking_a_token_stops_it_at_once(admin_client_, admin):
    from ketacare.accounts.services import api_token_create

    token, plaintext = api_token_create(member=admin, name="x")
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert admin_client_.get("/api/v1/patients", headers=headers).status_code == 200
    admin_client_.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert admin_client_.get("/api/v1/patients", headers=headers).status_code == 401


def test_only_a_clinic_admin_makes_tokens_and_the_refusal_says_why(alice_client):
    response = alice_client.post(reverse("accounts:tokens"), {"name": "EHR sync"})
    assert response.status_code == 403
    assert b"only a clinic admin makes them" in response.content
    assert not ApiToken.objects.exists()


def test_refreshing_after_making_a_token_does_not_make_another(admin_client_, admin):
    made = admin_client_.post(reverse("accounts:tokens"), {"name": "EHR sync"})
    assert made.status_code == 302  # a refresh of the page that follows repeats a GET
    admin_client_.get(made["Location"])
    admin_client_.get(made["Location"])
    assert ApiToken.objects.filter(staff_member=admin).count() == 1
