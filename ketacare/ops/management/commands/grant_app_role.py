from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ketacare.ops.roles import RoleError, app_role_grant


class Command(BaseCommand):
    help = (
        "PostgreSQL: give the application's role exactly what it needs on every table (audit "
        "tables insert-only). Run as the owner role after every `migrate`."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("role", help="The login role the app connects with.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                statements = app_role_grant(role=options["role"])
        except RoleError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{len(statements)} grants applied to {options['role']}")
