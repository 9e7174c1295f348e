"""Backups that are safe while the app runs, and a way to prove a restore is whole.

SQLite uses its online backup API (a consistent copy even while the web server and the
worker write); PostgreSQL uses pg_dump's custom format, restored with pg_restore.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connection


class BackupError(RuntimeError):
    """The backup could not be made; nothing was left half-written at the destination."""


def database_backup(*, destination: Path) -> Path:
    """Write a complete copy of the default database to `destination` (which must not exist)."""
    if destination.exists():
        raise BackupError(f"{destination} already exists; a backup never overwrites a file.")
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if connection.vendor == "sqlite":
            _sqlite_backup(source=str(connection.settings_dict["NAME"]), destination=partial)
        elif connection.vendor == "postgresql":
            _postgres_dump(settings=connection.settings_dict, destination=partial)
        else:
            raise BackupError(f"No backup method for the {connection.vendor} database.")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(destination)
    return destination


def _sqlite_backup(*, source: str, destination: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(destination)
    try:
        # Pages are copied in steps; a write by the app between steps restarts the copy,
        # so the result is always one consistent state of the database.
        src.backup(dst, pages=1024)
        (ok,) = dst.execute("PRAGMA integrity_check").fetchone()
        if ok != "ok":
            raise BackupError(f"The copy failed its integrity check: {ok}")
    finally:
        dst.close()
        src.close()


def postgres_tool(name: str) -> str:
    """The newest installed pg_dump/pg_restore (a dump must not come from an older client)."""
    versioned = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    found = versioned[-1] if versioned else shutil.which(name)
    if not found:
        raise BackupError(f"{name} was not found; install the PostgreSQL client tools.")
    return found


def _version_key(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def postgres_env(settings: dict[str, Any]) -> dict[str, str]:
    """libpq variables for the tools, so no password appears on a command line."""
    env = dict(os.environ)
    values = {
        "PGHOST": settings.get("HOST"),
        "PGPORT": settings.get("PORT"),
        "PGUSER": settings.get("USER"),
        "PGPASSWORD": settings.get("PASSWORD"),
        "PGDATABASE": settings.get("NAME"),
    }
    env.update({k: str(v) for k, v in values.items() if v})
    return env


def _postgres_dump(*, settings: dict[str, Any], destination: Path) -> None:
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments are not shell-parsed
        [postgres_tool("pg_dump"), "--format=custom", "--file", str(destination)],
        env=postgres_env(settings),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
