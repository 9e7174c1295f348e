import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from ketacare.accounts.models import Role, StaffMember
from ketacare.core.phases import Phase
from ketacare.demo import seed as demo
from ketacare.patients.models import Patient


def test_the_demo_clinic_is_refused_outside_demo_mode(db, settings):
    settings.DEMO = False
    with pytest.raises(ImproperlyConfigured):
        demo.seed()
    assert not Patient.objects.exists()


def test_demo_logins_are_not_shown_outside_demo_mode(db, settings):
    settings.DEMO = False
    assert demo.DEMO_PASSWORD.encode() not in Client().get(reverse("accounts:login")).content


def test_the_demo_clinic_has_every_phase_and_role_and_loads_twice_without_duplicates(db, settings):
    settings.DEMO = True
    from ketacare.checkins.models import CheckIn
    from ketacare.measures.models import Response

    first = demo.seed()
    responses = Response.objects.count()
    second = demo.seed()
    assert first == second
    assert Response.objects.count() == responses  # histories are not duplicated
    # treated patients have check-in histories with a delivery record, some missed
    assert responses > 200
    assert CheckIn.objects.filter(status="missed").exists()
    assert CheckIn.objects.filter(status="submitted", opened_at__isnull=False).exists()
    assert demo.demo_checkin_link().startswith("http://127.0.0.1:8000/c/")
    harbour = Patient.objects.filter(clinic__slug="harbour-light")
    assert harbour.count() >= 40
    assert {p.phase for p in harbour} == {p.value for p in Phase}
    roles = {r for m in StaffMember.objects.filter(clinic__slug="harbour-light") for r in m.roles}
    assert roles == set(Role.values)
    # every printed login works, and the login page shows them in demo mode
    assert demo.DEMO_PASSWORD.encode() in Client().get(reverse("accounts:login")).content
    for email, label in demo.demo_logins():
        c = Client()
        url = reverse("portal:login") if label.startswith("patient") else reverse("accounts:login")
        response = c.post(url, {"username": email, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, email
