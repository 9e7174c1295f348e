"""The application's PostgreSQL role: everything it needs, and nothing that erases evidence.

Migrations run as an owner role; the app connects as a role that owns nothing. Owning a
table is what allows ALTER, DISABLE TRIGGER and DROP, so the app role can do none of them,
and TRUNCATE (which row triggers do not see) is a privilege it is simply never given.
The audit tables (the access log and every history table) take INSERT and SELECT only; a
history row's link to a deleted user may still be cleared (UPDATE of that one column).
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection
from simple_history.models import HistoricalChanges

# The access log and anything else the audit app keeps: append-only.
APPEND_ONLY_APPS = {"audit"}


class RoleError(RuntimeError):
    """The role cannot safely be used as the application's role."""


def audit_tables() -> dict[str, list[str]]:
    """Append-only tables, each with the columns the app may still UPDATE (usually none)."""
    tables: dict[str, list[str]] = {}
    for model in apps.get_models():
        if issubclass(model, HistoricalChanges):
            tables[model._meta.db_table] = ["history_user_id"]
        elif model._meta.app_label in APPEND_ONLY_APPS:
            tables[model._meta.db_table] = []
    return tables


def database_cache_tables() -> set[str]:
    """Tables of database caches (rate limits live there): the app reads and writes them,
    but they belong to no model, so the model list alone would leave them out."""
    from django.conf import settings

    return {
        str(conf["LOCATION"])
        for conf in settings.CACHES.values()
        if "DatabaseCache" in str(conf.get("BACKEND", ""))
    }


def app_role_grants(*, role: str) -> list[str]:
    """The SQL that gives `role` exactly the application's privileges, after any migration."""
    q = connection.ops.quote_name
    audit = audit_tables()
    tables = sorted(
        set(connection.introspection.django_table_names(include_views=False))
        | database_cache_tables()
    )
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {q(role)}",
        f"GRANT USAGE ON SCHEMA public TO {q(role)}",
        f"GRANT SELECT ON django_migrations TO {q(role)}",
    ]
    for table in tables:
        if table in audit:
            statements.append(f"GRANT SELECT, INSERT ON {q(table)} TO {q(role)}")
            statements += [
                f"GRANT UPDATE ({q(c)}) ON {q(table)} TO {q(role)}" for c in audit[table]
            ]
        else:
            statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {q(table)} TO {q(role)}")
    statements.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {q(role)}")
    return statements


def app_role_grant(*, role: str) -> list[str]:
    """Apply `app_role_grants` as the owner; refuse a role that could bypass them."""
    if connection.vendor != "postgresql":
        raise RoleError("Database roles apply to PostgreSQL only.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb "
            "FROM pg_roles WHERE rolname = %s",
            [role],
        )
        row = cursor.fetchone()
        if row is None:
            raise RoleError(f"The role {role!r} does not exist; create it first (docs/deploy.md).")
        if any(row):
            raise RoleError(
                f"The role {role!r} is a superuser or may create roles or databases; the "
                "application's role must be an ordinary login role."
            )
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
            [role],
        )
        if cursor.fetchone()[0]:
            raise RoleError(
                f"The role {role!r} owns tables; run migrations as the owner role, not as it."
            )
        statements = app_role_grants(role=role)
        for statement in statements:
            cursor.execute(statement)
    return statements
