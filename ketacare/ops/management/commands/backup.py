from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ketacare.ops.backup import BackupError, database_backup


class Command(BaseCommand):
    help = (
        "Copy the whole database to a new file, safely while the app runs: SQLite through its "
        "online backup API, PostgreSQL through pg_dump (custom format, for pg_restore)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("destination", type=Path, help="A file that does not exist yet.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = database_backup(destination=options["destination"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"backup written: {path} ({path.stat().st_size} bytes)")
