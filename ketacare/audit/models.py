from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AppendOnlyError(RuntimeError):
    """The access log is evidence: rows are never changed or removed."""


class AccessAction(models.TextChoices):
    VIEW_CHART = "view_chart", "Opened the chart"
    VIEW_PAGE = "view_page", "Opened a page of the record"
    VIEW_AUDIT = "view_audit", "Opened the audit trail"
    EXPORT = "export", "Exported the record"
    API_READ = "api_read", "Read through the API"
    PORTAL_VIEW = "portal_view", "Patient viewed own record"


class AccessEventQuerySet(models.QuerySet["AccessEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The access log cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("The access log cannot be deleted.")


class AccessEvent(models.Model):
    """Who read which patient's data, when, how. Append-only."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="access_events"
    )
    action = models.CharField(max_length=16, choices=AccessAction.choices)
    path = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "-at"])]

    def __str__(self) -> str:
        return f"{self.actor} {self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("The access log cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The access log cannot be deleted.")
