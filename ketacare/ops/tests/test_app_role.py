"""PostgreSQL: the application's role runs the app but cannot erase or blur the audit trail.

The test switches its own connection to a freshly granted app role (SET LOCAL ROLE drops
the superuser's rights for the rest of the transaction), uses the app as staff do, then
tries every way an attacker holding the app's credentials could wipe the access log.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from ketacare.accounts.services import api_token_create
from ketacare.audit.models import AccessEvent
from ketacare.ops.roles import RoleError, app_role_grant, audit_tables
from ketacare.patients import services
from ketacare.patients.models import Patient

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database roles exist on PostgreSQL only"
)
ROLE = "ketacare_test_app"
INSUFFICIENT_PRIVILEGE = "42501"


@pytest.fixture
def as_app_role(db):
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{ROLE}" LOGIN')  # undone with the test's transaction
    app_role_grant(role=ROLE)
    with connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{ROLE}"')
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == ROLE


def _refused(sql: str) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as c:
        c.execute(sql)
    return caught.value.__cause__.sqlstate


def test_the_app_works_normally_under_its_role(as_app_role, patient, alice, alice_client):
    before = AccessEvent.objects.count()
    assert alice_client.get(f"/patients/{patient.pk}/").status_code == 200
    assert AccessEvent.objects.count() == before + 1
    services.patient_update(patient=patient, by=alice.user, reason="moved", phone="+1 312 555 0111")
    assert patient.history.count() == 2
    _, secret = api_token_create(member=alice, name="integration")
    response = alice_client.get("/api/v1/patients", headers={"authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert Patient.objects.filter(pk=patient.pk, phone="+13125550111").exists()


@pytest.mark.parametrize(
    "sql",
    [
        "TRUNCATE audit_accessevent",
        "TRUNCATE audit_accessevent CASCADE",
        "DELETE FROM audit_accessevent",
        "UPDATE audit_accessevent SET path = ''",
        "ALTER TABLE audit_accessevent DISABLE TRIGGER ALL",
        "ALTER TABLE audit_accessevent DISABLE TRIGGER audit_accessevent_append_only",
        "ALTER TABLE audit_accessevent ADD COLUMN note text",
        "DROP TRIGGER audit_accessevent_append_only ON audit_accessevent",
        "DROP TABLE audit_accessevent",
        "SET session_replication_role = replica",
        "CREATE TABLE scratch (id int)",
    ],
)
def test_the_app_role_cannot_erase_the_access_log(as_app_role, patient, alice, alice_client, sql):
    assert alice_client.get(f"/patients/{patient.pk}/").status_code == 200
    assert _refused(sql) == INSUFFICIENT_PRIVILEGE
    assert AccessEvent.objects.filter(patient=patient).exists()


def test_the_app_role_cannot_truncate_alter_or_rewrite_any_history_table(as_app_role, patient):
    # History tables are the audit tables that keep a user link (history_user_id).
    history = sorted(t for t, columns in audit_tables().items() if columns)
    assert "patients_historicalpatient" in history
    for table in history:
        for sql in (
            f"TRUNCATE {table}",
            f"DELETE FROM {table}",
            f"UPDATE {table} SET history_change_reason = 'blurred'",
            f"ALTER TABLE {table} ADD COLUMN note text",
        ):
            assert _refused(sql) == INSUFFICIENT_PRIVILEGE, sql


def test_a_superuser_or_an_owner_is_refused_as_the_app_role(db):
    with pytest.raises(RoleError, match="superuser"):
        app_role_grant(role=connection.settings_dict["USER"])
