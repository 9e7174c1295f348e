"""The care-team email for a new alert: plain grammar, no identifiers, and a link that
opens the patient list with those needing attention first."""

from urllib.parse import urlsplit

from django.urls import reverse
from django.utils import timezone

from ketacare.alerts import services
from ketacare.core.instruments.base import Flag, Severity
from ketacare.outbox.models import Message
from ketacare.patients import services as patient_services


def _raise(patient, severity):
    services.alerts_from_flags(
        patient=patient,
        flags=[Flag("x", severity, "m", "9")],
        response=None,
        now=timezone.now(),
        evidence={},
    )
    return Message.objects.filter(channel="email").latest("pk")


def test_the_alert_email_reads_well_and_links_to_the_list_by_attention(patient, alice, bob):
    patient_services.care_team_add(patient=patient, staff_member=bob, role="nurse", by=alice.user)
    urgent = _raise(patient, Severity.URGENT)
    assert urgent.subject == "ketacare: an urgent alert needs attention"
    assert _raise(patient, Severity.WARNING).subject == "ketacare: a warning alert needs attention"
    link = next(word for word in urgent.body.split() if word.startswith("http"))
    parts = urlsplit(link)
    assert parts.path == reverse("patients:list") and parts.query == "sort=attention"
    chart = reverse("patients:detail", args=[patient.pk])
    for identifier in (patient.given_name, patient.family_name, patient.mrn, chart):
        assert identifier not in urgent.subject and identifier not in urgent.body
