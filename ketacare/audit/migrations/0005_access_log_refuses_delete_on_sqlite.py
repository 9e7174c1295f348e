"""On SQLite, refuse DELETE on the access log too, except in the test database's flush.

PostgreSQL has refused DELETE since 0003. SQLite could not, because Django's test flush
empties tables with DELETE; the trigger now asks `ketacare_audit_erasable()` (see
ketacare/audit/sqlite.py), which only our flush command, on the test database, makes true.
Where the function is missing (a sqlite3 shell, a restored copy) the DELETE fails.
"""

from django.db import migrations

MESSAGE = "the access log is append-only"
TABLES = ("audit_accessevent", "audit_accesseventpatient")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"WHEN NOT ketacare_audit_erasable() BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete;")


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_access_event_pages_and_link_reads")]

    operations = [migrations.RunPython(forwards, backwards)]
