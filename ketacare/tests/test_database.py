import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_the_suite_runs_on_the_database_it_was_asked_for(db):
    wanted = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == wanted


def test_the_default_sqlite_database_runs_in_wal_mode(tmp_path):
    # WAL lets the web server read while the worker writes. Checked on a real file
    # database configured by ketacare.settings, not on the in-memory test database.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(
        KETACARE_DEMO="true",
        SQLITE_PATH=str(tmp_path / "k.sqlite3"),
        KETACARE_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="ketacare.settings",
    )
    env.pop("KETACARE_TESTING", None)
    code = (
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "wal", result.stderr
