from __future__ import annotations

import os
import socket
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ketacare.checkins.checks import sms_problem
from ketacare.checkins.worker import run_once
from ketacare.outbox.services import pause_for_tests


class Command(BaseCommand):
    help = (
        "Schedule check-ins, queue their links and reminders, mark missed ones, and send "
        "the outbox, in a loop. Run any number of these."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Run one round and exit.")
        parser.add_argument("--interval", type=int, default=30, help="Seconds between rounds.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or settings.DEMO or settings.TESTING):
            problem = sms_problem()
            if problem:
                raise CommandError(f"Refusing to start: {problem}")
        worker = f"{socket.gethostname()}:{os.getpid()}"
        self.stdout.write(f"ketacare worker {worker} started")
        while True:
            done = run_once(now=timezone.now(), worker=worker)
            pause_for_tests("after_round")
            if any(done.values()):
                self.stdout.write(", ".join(f"{k} {v}" for k, v in done.items()))
                self.stdout.flush()
            if options["once"]:
                return
            time.sleep(options["interval"])
