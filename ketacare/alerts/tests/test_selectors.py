"""The reads every page uses for alerts: what is still to handle, in the order to handle it."""

import datetime as dt

from django.utils import timezone

from ketacare.alerts import selectors
from ketacare.alerts.models import Alert, AlertSeverity, AlertStatus


def _alert(patient, severity, hours_ago, status=AlertStatus.OPEN):
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    return Alert.objects.create(
        patient=patient, kind="k", severity=severity, status=status, title="t", triggered_at=at
    )


def test_open_alerts_put_urgent_first_then_newest_and_leave_out_resolved(patient):
    old_urgent = _alert(patient, AlertSeverity.URGENT, 48)
    new_warning = _alert(patient, AlertSeverity.WARNING, 1)
    newer_urgent = _alert(patient, AlertSeverity.URGENT, 2)
    _alert(patient, AlertSeverity.URGENT, 0, status=AlertStatus.RESOLVED)
    acknowledged = _alert(patient, AlertSeverity.WARNING, 3, status=AlertStatus.ACKNOWLEDGED)
    assert selectors.open_alerts(patient) == [newer_urgent, old_urgent, new_warning, acknowledged]
    assert selectors.unresolved().count() == 4


def test_a_patients_alerts_and_their_history_are_the_patients_only(patient, other_clinic, charlie):
    from ketacare.patients import services as patient_services

    other = patient_services.patient_create(
        clinic=other_clinic,
        by=charlie.user,
        given_name="Far",
        family_name="Away",
        birth_date=dt.date(1980, 1, 1),
        email="f@a.test",
    )
    first = _alert(patient, AlertSeverity.WARNING, 5)
    second = _alert(patient, AlertSeverity.URGENT, 1)
    _alert(other, AlertSeverity.URGENT, 1)
    assert list(selectors.patient_alerts(patient)) == [second, first]
    assert list(selectors.patient_alerts(patient, oldest_first=True)) == [first, second]
    assert {h.id for h in selectors.patient_alert_history(patient)} == {first.pk, second.pk}
