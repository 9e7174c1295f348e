"""Restore drill: back up a working clinic, restore into a fresh database, compare it all.

Every table row for row, and the append-only protections: each trigger on the source exists
on the restored copy and still refuses what it guards there. On PostgreSQL the app role's
grants are part of what must come back.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from ketacare.accounts.services import api_token_create
from ketacare.audit.models import AccessEvent
from ketacare.conftest import client_for
from ketacare.ops.backup import postgres_env, postgres_tool

APP_ROLE = "ketacare_drill_app"
EVENTS = re.compile(r"\b(?:BEFORE|AFTER|INSTEAD OF)\s+(.+?)\s+ON\s", re.IGNORECASE)


def _rows(cursor: Any, table: str) -> list[tuple[Any, ...]]:
    cursor.execute(f'SELECT * FROM "{table}"')
    return sorted(cursor.fetchall(), key=repr)


def _sqlite_tables(cursor: Any) -> list[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return [r[0] for r in cursor.fetchall()]


def _sqlite_triggers(cursor: Any) -> set[tuple[str, str, str]]:
    cursor.execute("SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger'")
    return set(cursor.fetchall())


def _pg_tables(cursor: Any) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    return [r[0] for r in cursor.fetchall()]


def _pg_triggers(cursor: Any) -> set[tuple[str, str, str]]:
    cursor.execute(
        "SELECT c.relname, t.tgname || ':' || t.tgenabled::text, pg_get_triggerdef(t.oid) "
        "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
    )
    return set(cursor.fetchall())


def _pg_grants(cursor: Any) -> set[tuple[str, str]]:
    cursor.execute(
        "SELECT c.relname, coalesce(c.relacl::text, '') || coalesce(("
        "  SELECT string_agg(a.attname || '=' || a.attacl::text, ',' ORDER BY a.attname)"
        "  FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL), '') "
        "FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r','S')"
    )
    return set(cursor.fetchall())


def _guarded_statements(table: str, definition: str) -> list[str]:
    match = EVENTS.search(definition)
    assert match, definition
    events = {e.strip().split()[0].upper() for e in re.split(r"\bOR\b", match.group(1), flags=re.I)}
    statements = []
    if "UPDATE" in events:
        statements.append(f'UPDATE "{table}" SET id = id')
    if "DELETE" in events:
        statements.append(f'DELETE FROM "{table}"')
    return statements


def _compare(source: Any, copy: Any, tables: list[str]) -> None:
    assert tables, "no tables found"
    for table in tables:
        assert _rows(copy, table) == _rows(source, table), f"{table} differs after restore"


def _assert_refused(
    copy_conn: Any, errors: tuple[type[BaseException], ...], table: str, sql: str
) -> None:
    cursor = copy_conn.cursor()
    before = _rows(cursor, table)
    assert before, f"{table} is empty: the drill would prove nothing"
    with pytest.raises(errors):
        cursor.execute(sql)
    copy_conn.rollback()
    assert _rows(copy_conn.cursor(), table) == before


@pytest.fixture
def working_clinic(transactional_db, patient, alice, bob) -> Iterator[None]:
    """A clinic that has been used: history rows, access-log rows, a token, a session."""
    client = client_for(alice.user)
    for _ in range(3):
        assert client.get(f"/patients/{patient.pk}/").status_code == 200
    assert client.get("/patients/").status_code == 200  # a list read names each patient shown
    api_token_create(member=alice, name="drill")
    assert AccessEvent.objects.count() >= 3
    # A row in every history table, so each one's append-only trigger is tried on the copy:
    # a PHQ-9 with item 9 above 0 (a response and its alert), a check-in, a check-in plan.
    from django.utils import timezone

    from ketacare.checkins import services as checkin_services
    from ketacare.measures import services as measures
    from ketacare.patients.services import care_team_add

    now = timezone.now()
    care_team_add(patient=patient, staff_member=bob, role="nurse", by=alice.user)
    measures.response_record(
        patient=patient,
        instrument="phq9",
        answers={**{str(i): 0 for i in range(1, 9)}, "9": 1},
        context="ad_hoc",
        source="staff",
        collected_at=now,
        by=alice.user,
    )
    checkin_services.checkin_create(
        patient=patient, instruments_=["gad7"], context="weekly", due_at=now
    )
    checkin_services.measurement_plan_save(
        patient=patient,
        calendar_instruments=["gad7"],
        interval_days={},
        after_dose=True,
        by=alice.user,
    )
    yield


def _sqlite_drill(tmp_path: Path) -> None:
    backup = tmp_path / "ketacare.backup.sqlite3"
    call_command("backup", str(backup))
    # The restore: the backup file copied into place as a fresh database.
    restored = tmp_path / "restored.sqlite3"
    with sqlite3.connect(backup) as src, sqlite3.connect(restored) as dst:
        src.backup(dst)
    copy_conn = sqlite3.connect(restored)
    # Read the source raw too (Django's connection converts dates), so values compare exactly.
    source_conn = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        source, copy = source_conn.cursor(), copy_conn.cursor()
        assert _sqlite_tables(copy) == _sqlite_tables(source)
        _compare(source, copy, _sqlite_tables(source))
        triggers = _sqlite_triggers(source)
        assert any(t[0] == "audit_accessevent" for t in triggers), triggers
        assert _sqlite_triggers(copy) == triggers
        for table, _name, definition in triggers:
            for sql in _guarded_statements(table, definition):
                _assert_refused(copy_conn, (sqlite3.DatabaseError,), table, sql)
    finally:
        copy_conn.close()
        source_conn.close()


def _pg_drill(tmp_path: Path) -> None:
    from ketacare.ops.roles import app_role_grant

    settings = connection.settings_dict
    admin = psycopg.connect(
        **{k: v for k, v in connection.get_connection_params().items() if k != "context"},
        autocommit=True,
    )
    fresh = f"{settings['NAME']}_restored"
    admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
    admin.execute(f'DROP ROLE IF EXISTS "{APP_ROLE}"')
    admin.execute(f'CREATE ROLE "{APP_ROLE}" LOGIN')
    copy_conn = source_conn = None
    try:
        app_role_grant(role=APP_ROLE)
        backup = tmp_path / "ketacare.dump"
        call_command("backup", str(backup))
        admin.execute(f'CREATE DATABASE "{fresh}" TEMPLATE template0')
        env = postgres_env({**settings, "NAME": fresh})
        result = subprocess.run(  # noqa: S603
            [postgres_tool("pg_restore"), "--exit-on-error", "--dbname", fresh, str(backup)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        params = {k: v for k, v in connection.get_connection_params().items() if k != "context"}
        copy_conn = psycopg.connect(**{**params, "dbname": fresh})
        # Both sides read raw by the same driver settings, so values compare exactly.
        source_conn = psycopg.connect(**params)
        source, copy = source_conn.cursor(), copy_conn.cursor()
        assert _pg_tables(copy) == _pg_tables(source)
        _compare(source, copy, _pg_tables(source))
        triggers = _pg_triggers(source)
        assert any(t[0] == "audit_accessevent" for t in triggers), triggers
        assert _pg_triggers(copy) == triggers
        grants = _pg_grants(source)
        assert any(APP_ROLE in acl for _, acl in grants)
        assert _pg_grants(copy) == grants
        for table, _name, definition in triggers:
            for sql in _guarded_statements(table, definition):
                _assert_refused(copy_conn, (psycopg.Error,), table, sql)
    finally:
        for conn in (copy_conn, source_conn):
            if conn is not None:
                conn.close()
        admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{APP_ROLE}"')
        admin.execute(f'DROP ROLE IF EXISTS "{APP_ROLE}"')
        admin.close()


def test_a_backup_restores_into_a_fresh_database_whole_and_still_append_only(
    working_clinic, tmp_path
):
    if connection.vendor == "postgresql":
        _pg_drill(tmp_path)
    else:
        _sqlite_drill(tmp_path)
