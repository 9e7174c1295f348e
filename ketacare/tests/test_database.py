import os

from django.db import connection


def test_the_suite_runs_on_the_database_it_was_asked_for(db):
    wanted = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == wanted


def test_sqlite_runs_in_wal_mode_so_web_and_worker_do_not_block_each_other(db, settings):
    if connection.vendor != "sqlite":
        return
    # The test database is in memory (no WAL there); the configured one sets it on connect.
    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]
