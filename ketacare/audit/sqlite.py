"""SQLite's guard for the access log: a DELETE trigger that only the test flush passes.

SQLite has no roles, and Django's test flush empties tables with DELETE, so the trigger
(migration 0005) asks a function, `ketacare_audit_erasable()`, which ketacare registers on
each of its connections. It answers yes only while our `flush` command empties the test
database. A copy restored from a dump carries the trigger but no function: a plain
sqlite3 shell cannot delete either (it fails with "no such function").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

ERASABLE = "ketacare_audit_erasable"
_FLAG = "_ketacare_test_flush"


def register_functions(raw: sqlite3.Connection, *, erasable: Callable[[], bool]) -> None:
    raw.create_function(ERASABLE, 0, lambda: int(erasable()))


def on_connection_created(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        register_functions(
            connection.connection, erasable=lambda: getattr(connection, _FLAG, False)
        )


def is_test_database(connection: BaseDatabaseWrapper) -> bool:
    """True only for the database Django's test runner created (its name, not a setting)."""
    from django.conf import settings

    test_name = connection.creation._get_test_db_name()  # type: ignore[attr-defined]
    return (
        bool(getattr(settings, "TESTING", False)) and connection.settings_dict["NAME"] == test_name
    )


def set_flushing(connection: BaseDatabaseWrapper, flushing: bool) -> None:
    setattr(connection, _FLAG, flushing)
