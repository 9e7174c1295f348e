"""Make the access log append-only in the database itself, not only in Django.

A raw SQL UPDATE (or, on PostgreSQL, DELETE) of audit_accessevent now fails. SQLite gets
the UPDATE guard only: Django's test flush empties tables with DELETE there, while on
PostgreSQL it uses TRUNCATE, which row triggers do not see.
"""

from django.db import migrations

MESSAGE = "the access log is append-only"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER audit_accessevent_no_update BEFORE UPDATE ON audit_accessevent "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE FUNCTION audit_accessevent_append_only() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$;"
        )
        schema_editor.execute(
            "CREATE TRIGGER audit_accessevent_append_only BEFORE UPDATE OR DELETE ON "
            "audit_accessevent FOR EACH ROW EXECUTE FUNCTION audit_accessevent_append_only();"
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_accessevent_no_update;")
    elif vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS audit_accessevent_append_only ON audit_accessevent;"
        )
        schema_editor.execute("DROP FUNCTION IF EXISTS audit_accessevent_append_only();")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_view_page_action")]

    operations = [migrations.RunPython(forwards, backwards)]
