"""Create the table behind the shared cache (rate limits, sign-in step-up counters).

Made here rather than by `manage.py createcachetable` so that `migrate` alone sets up
a clinic, the demo and the test database. The table name is fixed, as migrations
must not depend on settings that may change later; settings.CACHES names it too.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "ketacare_cache"


def create(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
