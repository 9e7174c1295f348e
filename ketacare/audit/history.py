"""History (django-simple-history) that keeps who acted, whatever happens to their account.

Two guards. In Django: nobody whose name is in the audit trail (a history row or an
access-log row) can be deleted; the account is deactivated instead, so every row keeps
pointing at a real person. In the database: history rows are append-only (an UPDATE
trigger on every historical table), so even a path around Django (raw SQL, or a delete
that would set `history_user` to NULL) fails instead of blurring the actor.

Why refuse rather than copy the actor's name into each row: the account row is the
identity (email, name, memberships); keeping it and forbidding deletion needs no schema
change to every historical table, and the history of the user's own account keeps
renames visible. The triggers are installed after every `migrate`, so a new app's
historical table is covered without anyone remembering to.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import connections
from django.db.models import Model, ProtectedError

from ketacare.audit.models import AccessEvent
from ketacare.audit.sqlite import ERASABLE

MESSAGE = "history is append-only"


def historical_models() -> list[type[Model]]:
    return [m for m in apps.get_models() if hasattr(m, "history_user") and hasattr(m, "instance")]


def audit_trail_of(user: Model) -> list[str]:
    """Where this person appears in the audit trail (empty when nowhere)."""
    found = [
        str(m._meta.verbose_name_plural)
        for m in historical_models()
        if m._default_manager.filter(history_user=user).exists()
    ]
    if AccessEvent.objects.filter(actor_id=user.pk).exists():
        found.append("access log")
    return found


def refuse_erasing_an_actor(sender: Any, instance: Model, **kwargs: Any) -> None:
    """pre_delete on the user model: the person stays; the account is deactivated."""
    where = audit_trail_of(instance)
    if where:
        raise ProtectedError(
            f"{instance} appears in the audit trail ({', '.join(where)}): deactivate the "
            "account instead of deleting it, so the record keeps who did what.",
            set(),
        )


def install_append_only_triggers(using: str = "default", **kwargs: Any) -> None:
    """post_migrate: make every historical table refuse UPDATE and DELETE (idempotent).

    DELETE matters as much as UPDATE: simple-history ships commands that prune history
    (`clean_old_history`), and a raw DELETE would erase who changed what. On SQLite the
    DELETE guard lets only the test database's flush through (see audit/sqlite.py); on
    PostgreSQL the test flush uses TRUNCATE, which row triggers do not see.
    """
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    tables = [m._meta.db_table for m in historical_models() if m._meta.db_table in existing]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in tables:
                cursor.execute(
                    f'CREATE TRIGGER IF NOT EXISTS "{table}_append_only" BEFORE UPDATE ON '
                    f"\"{table}\" BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
                )
                cursor.execute(
                    f'CREATE TRIGGER IF NOT EXISTS "{table}_no_delete" BEFORE DELETE ON '
                    f'"{table}" WHEN NOT {ERASABLE}() '
                    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
                )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "CREATE OR REPLACE FUNCTION ketacare_history_append_only() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$;"
            )
            for table in tables:
                cursor.execute(
                    f'CREATE OR REPLACE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE '
                    f'ON "{table}" FOR EACH ROW EXECUTE FUNCTION ketacare_history_append_only();'
                )
