"""Django's flush, which on SQLite may empty the access log only in the test database.

Anywhere else the access log's DELETE trigger refuses, so `manage.py flush` on a clinic's
database fails instead of erasing the audit trail."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from ketacare.audit.sqlite import is_test_database, set_flushing


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        allowed = connection.vendor == "sqlite" and is_test_database(connection)
        set_flushing(connection, allowed)
        try:
            super().handle(**options)
        finally:
            set_flushing(connection, False)
