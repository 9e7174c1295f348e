"""One notion of time: every date and time a person reads is in the clinic's time zone.

Times are stored in UTC. Whoever a request is for, their clinic's zone is made current
for that request only:

- staff: the clinic they act in (`staff_required`);
- patients in the portal: their own clinic (`patient_required`);
- secure-link visitors: the clinic of the check-in the link belongs to (the link views).

`ClinicTimeMiddleware` puts UTC back after every request, so one request's zone never
leaks into the next request served by the same worker thread. The rare page that shows
times of more than one clinic wraps each in Django's own
`{% load tz %}{% timezone clinic.time_zone %}…{% endtimezone %}`.

Machine-read output (the JSON API, FHIR, the `datetime` attribute of `<time>`) stays
ISO 8601 with its offset and does not depend on any of this.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

if TYPE_CHECKING:
    from ketacare.accounts.models import Clinic


def clinic_time_activate(clinic: Clinic) -> None:
    """Show this request's dates and times in the clinic's zone."""
    timezone.activate(clinic.tz)


class ClinicTimeMiddleware:
    """Start every request in UTC and end it there, whatever the view activated."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
