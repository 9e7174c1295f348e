"""An alert carries two times: when the answers that raised it were given, and when it
was raised. A check-in answered on Sunday night and synced on Monday morning must read as
Sunday's answer, not as fresh news."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as live_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from ketacare.alerts.models import Alert
from ketacare.measures import services

MIGRATION = importlib.import_module("ketacare.alerts.migrations.0003_alert_raised_at_and_data_time")


def _positive_phq9(patient, collected_at):
    answers = {str(i): 0 for i in range(1, 10)} | {"9": 2}
    return services.response_record(
        patient=patient,
        instrument="phq9",
        answers=answers,
        context="weekly",
        source="link",
        collected_at=collected_at,
    )


def test_an_alert_is_dated_by_its_answers_and_by_when_it_was_raised(patient):
    answered = timezone.now() - dt.timedelta(days=2, hours=3)
    _, alerts = _positive_phq9(patient, answered)
    alert = Alert.objects.get(pk=alerts[0].pk)
    assert alert.triggered_at == answered
    assert abs((alert.raised_at - timezone.now()).total_seconds()) < 60


def test_the_chart_alert_card_shows_both_times_in_clinic_time(alice_client, patient):
    # Harbour is in America/Chicago: 03:30 UTC on 5 March is 21:30 CST on 4 March.
    answered = dt.datetime(2026, 3, 5, 3, 30, tzinfo=dt.UTC)
    _positive_phq9(patient, answered)
    Alert.objects.update(raised_at=dt.datetime(2026, 3, 5, 14, 5, tzinfo=dt.UTC))
    html = alice_client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert "answered <time" in html and "4 Mar 2026, 21:30 CST" in html
    assert "raised <time" in html and "5 Mar 2026, 08:05 CST" in html


def test_the_migration_keeps_the_old_time_as_raised_and_dates_by_the_data(patient):
    answered = timezone.now() - dt.timedelta(days=3)
    response, alerts = _positive_phq9(patient, answered)
    created = timezone.now() - dt.timedelta(hours=1)
    orphan = Alert.objects.create(
        patient=patient,
        kind="phq9_item9",
        severity="urgent",
        title="From an import",
        evidence={"collected_at": (answered - dt.timedelta(days=1)).isoformat()},
        triggered_at=created,
        raised_at=created,
    )
    # Before the migration `triggered_at` held the time the alert was created.
    Alert.objects.update(triggered_at=created)
    MIGRATION.split_raised_from_data_time(live_apps, None)
    linked = Alert.objects.get(pk=alerts[0].pk)
    assert (linked.raised_at, linked.triggered_at) == (created, answered)
    orphan.refresh_from_db()
    assert (orphan.raised_at, orphan.triggered_at) == (created, answered - dt.timedelta(days=1))


@pytest.mark.django_db(transaction=True)
def test_the_migration_runs_forwards_on_a_real_schema():
    executor = MigrationExecutor(connection)
    executor.migrate([("alerts", "0002_initial")])
    executor.loader.build_graph()
    executor.migrate([("alerts", "0003_alert_raised_at_and_data_time")])
    columns = {
        c.name
        for c in connection.introspection.get_table_description(connection.cursor(), "alerts_alert")
    }
    assert {"raised_at", "triggered_at"} <= columns
