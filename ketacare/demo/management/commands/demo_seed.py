from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ketacare.demo import seed as demo


class Command(BaseCommand):
    help = "Load the synthetic demo clinic (demo mode only). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = demo.seed()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Demo clinic ready: {counts['patients']} patients, {counts['staff']} staff "
            f"memberships, {counts['clinics']} clinics."
        )
        self.stdout.write(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD}):")
        for email, label in demo.demo_logins():
            self.stdout.write(f"  {email:<40} {label}")
        link = demo.demo_checkin_link()
        if link:
            self.stdout.write(f"\nA patient check-in by secure link (no login; works once): {link}")
