"""Every view and endpoint, every persona: who gets in and who is refused.

`ROUTES` must name every URL pattern of the project; the last test fails when a new
view is added without a line here, so no page ships without an outsider test.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ketacare.conftest import client_for
from ketacare.patients.models import CareTeamMember

# name -> (method, kind). kind says who may use it:
#   "patient"  staff of the patient's clinic; outsider staff get 404, patients 403
#   "staff"    any active staff; patients 403
#   "admin"    clinic admins of their own clinic; other staff and patients 403
#   "portal"   the signed-in patient only; staff 403
#   "public"   anyone (sign-in, password reset)
#   "api"      token-authenticated; covered in api/tests
#   "link"     a secure check-in link: the unguessable token is the key (measures/tests)
ROUTES: dict[str, tuple[str, str]] = {
    "home": ("GET", "public"),
    "accounts:login": ("GET", "public"),
    "accounts:logout": ("POST", "public"),
    "accounts:password_reset": ("GET", "public"),
    "accounts:password_reset_done": ("GET", "public"),
    "accounts:password_reset_confirm": ("GET", "public"),
    "accounts:password_reset_complete": ("GET", "public"),
    "accounts:2fa_setup": ("GET", "staff"),
    "accounts:2fa_verify": ("GET", "staff"),
    "accounts:2fa_recovery": ("GET", "staff"),
    "accounts:clinic_switch": ("POST", "staff"),
    "accounts:clinic_settings": ("GET", "admin"),
    "accounts:clinic_crisis_lines": ("POST", "admin"),
    "measures:clinic_settings": ("GET", "admin"),
    "accounts:staff_list": ("GET", "admin"),
    "accounts:staff_invite": ("GET", "admin"),
    "accounts:staff_edit": ("GET", "admin"),
    "accounts:tokens": ("GET", "staff"),
    "accounts:token_revoke": ("POST", "staff"),
    "patients:list": ("GET", "staff"),
    "patients:create": ("GET", "staff"),
    "patients:detail": ("GET", "patient"),
    "patients:edit": ("GET", "patient"),
    "patients:phase_change": ("POST", "patient"),
    "patients:care_team_add": ("POST", "patient"),
    "patients:care_team_end": ("POST", "patient"),
    "patients:audit": ("GET", "patient"),
    "patients:export": ("GET", "patient"),
    "patients:portal_invite": ("POST", "patient"),
    "portal:home": ("GET", "portal"),
    "portal:login": ("GET", "public"),
    "portal:logout": ("POST", "public"),
    "portal:set_password": ("GET", "public"),
    "measures:link": ("GET", "link"),
    "measures:link_save": ("POST", "link"),
    "measures:link_renew": ("POST", "link"),
    "portal:magic_request": ("GET", "public"),
    "portal:magic_login": ("GET", "public"),
    "portal:checkin": ("GET", "portal"),
    "portal:checkin_save": ("POST", "portal"),
    "portal:progress": ("GET", "portal"),
    "portal:learn": ("GET", "portal"),
    "portal:learn_page": ("GET", "portal"),
    "measures:scores": ("GET", "patient"),
    "measures:response_new": ("GET", "patient"),
    "measures:response_amend": ("GET", "patient"),
    "measures:send_now": ("POST", "patient"),
    "measures:plan": ("GET", "patient"),
    "measures:dose_checkins": ("POST", "patient"),
    "measures:worklist": ("GET", "staff"),
    "measures:resend": ("POST", "staff"),
}
PATIENT_ROUTES = [name for name, (_, kind) in ROUTES.items() if kind == "patient"]
ADMIN_ROUTES = [name for name, (_, kind) in ROUTES.items() if kind == "admin"]
STAFF_ROUTES = [name for name, (_, kind) in ROUTES.items() if kind == "staff"]


def _url(name, patient=None, admin=None, assignment=None, response=None, checkin=None, token=None):
    kwargs = {}
    needs_patient = name.startswith("patients:") and name not in (
        "patients:list",
        "patients:create",
    )
    if needs_patient or name in (
        "measures:scores",
        "measures:response_new",
        "measures:response_amend",
        "measures:send_now",
        "measures:plan",
        "measures:dose_checkins",
    ):
        kwargs["patient_id"] = patient.pk
    if name == "patients:care_team_end":
        kwargs["assignment_id"] = assignment.pk
    if name == "accounts:staff_edit":
        kwargs["member_id"] = admin.pk
    if name == "accounts:token_revoke":
        kwargs["token_id"] = 1
    if name == "measures:response_new":
        kwargs["instrument"] = "gad7"
    if name == "measures:response_amend":
        kwargs["response_id"] = response.pk
    if name == "measures:resend":
        kwargs["checkin_id"] = checkin.pk
    if name in ("portal:checkin", "portal:checkin_save"):
        kwargs["checkin_id"] = checkin.pk
    if name == "portal:learn_page":
        kwargs["slug"] = "after-a-dose"
    if name == "portal:magic_login":
        kwargs["token"] = "not-a-token"
    if name.startswith("measures:link"):
        kwargs["token"] = token
    if name in ("accounts:password_reset_confirm", "portal:set_password"):
        kwargs = {"uidb64": "MQ", "token": "set-password"}
    return reverse(name, kwargs=kwargs)


def _call(client, name, url):
    method = ROUTES[name][0]
    return client.post(url) if method == "POST" else client.get(url)


@pytest.mark.parametrize("name", PATIENT_ROUTES)
def test_outsider_staff_is_refused_every_patient_page(name, charlie_client, objs):
    result = _call(charlie_client, name, _url(name, **objs))
    assert result.status_code == 404
    assert CareTeamMember.objects.current().filter(pk=objs["assignment"].pk).exists()


@pytest.mark.parametrize("name", [n for n, (_, kind) in ROUTES.items() if kind == "staff"])
def test_outsider_staff_cannot_touch_our_check_ins(name, charlie_client, objs):
    result = _call(charlie_client, name, _url(name, **objs))
    assert result.status_code in (200, 302, 404)
    assert objs["patient"].display_name.encode() not in result.content
    objs["checkin"].refresh_from_db()
    assert objs["checkin"].status == "scheduled"


@pytest.mark.parametrize("name", PATIENT_ROUTES + STAFF_ROUTES + ADMIN_ROUTES)
def test_a_patient_is_refused_every_staff_page(name, patient_client, objs):
    assert _call(patient_client, name, _url(name, **objs)).status_code == 403


PORTAL_ROUTES = [name for name, (_, kind) in ROUTES.items() if kind == "portal"]


@pytest.mark.parametrize("name", PORTAL_ROUTES)
def test_staff_are_refused_every_portal_page(name, alice_client, objs):
    assert _call(alice_client, name, _url(name, **objs)).status_code == 403


@pytest.mark.parametrize("name", ["portal:checkin", "portal:checkin_save"])
def test_another_patient_cannot_open_this_patients_check_in(name, other_patient_user, objs):
    result = _call(client_for(other_patient_user), name, _url(name, **objs))
    assert result.status_code == 404
    objs["checkin"].refresh_from_db()
    assert objs["checkin"].draft == {}


@pytest.mark.parametrize("name", PATIENT_ROUTES + STAFF_ROUTES + ADMIN_ROUTES + PORTAL_ROUTES)
def test_anonymous_visitors_are_sent_to_sign_in(name, client, objs):
    result = _call(client, name, _url(name, **objs))
    assert result.status_code == 302
    assert "/login/" in result["Location"]


@pytest.mark.parametrize("name", ADMIN_ROUTES)
def test_staff_without_the_admin_role_are_refused_admin_pages(name, alice_client, admin):
    assert _call(alice_client, name, _url(name, admin=admin)).status_code == 403


def test_an_outsider_admin_cannot_edit_our_staff(charlie_client, admin):
    url = reverse("accounts:staff_edit", kwargs={"member_id": admin.pk})
    assert charlie_client.get(url).status_code == 404
    assert charlie_client.post(url, {"roles": ["nurse"], "is_active": ""}).status_code == 404


# token_revoke needs a token of one's own; accounts/tests/test_tokens.py covers it.
@pytest.mark.parametrize(
    "name", [n for n in PATIENT_ROUTES + STAFF_ROUTES if n != "accounts:token_revoke"]
)
def test_staff_of_the_clinic_may_use_every_patient_page(name, alice, objs):
    response = _call(client_for(alice.user), name, _url(name, **objs))
    assert response.status_code in (200, 302)


def test_staff_pages_refuse_a_staff_user_whose_membership_ended(alice, patient):
    alice.is_active = False
    alice.save()
    c = client_for(alice.user)
    assert c.get(reverse("patients:list")).status_code == 403
    assert c.get(reverse("patients:detail", args=[patient.pk])).status_code == 403


def test_staff_are_refused_the_portal(alice_client):
    assert alice_client.get(reverse("portal:home")).status_code == 403


def test_one_patient_never_sees_another_patients_record(other_patient_user, patient):
    response = client_for(other_patient_user).get(reverse("portal:home"))
    assert response.status_code == 200
    assert b"Quinn" in response.content
    assert patient.family_name.encode() not in response.content


def _all_url_names(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _all_url_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}"


def test_every_route_is_in_the_access_matrix():
    # admin, the JSON API and FHIR authenticate with tokens; their own tests hold outsiders.
    names = {n for n in _all_url_names() if not n.startswith(("admin:", "api:", "fhir:"))}
    missing = names - set(ROUTES)
    assert not missing, f"Add these routes to ROUTES with their access kind: {sorted(missing)}"
