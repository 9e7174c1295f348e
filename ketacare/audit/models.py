from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AppendOnlyError(RuntimeError):
    """The access log is evidence: rows are never changed or removed."""


class AccessAction(models.TextChoices):
    VIEW_CHART = "view_chart", "Opened the chart"
    VIEW_PAGE = "view_page", "Opened a page of the record"
    VIEW_LIST = "view_list", "Saw the patient in a list or search"
    VIEW_AUDIT = "view_audit", "Opened the audit trail"
    VIEW_ADMIN = "view_admin", "Opened in the technical admin"
    EXPORT = "export", "Exported the record"
    API_READ = "api_read", "Read through the API"
    API_WRITE = "api_write", "Changed through the API (record returned)"
    PORTAL_VIEW = "portal_view", "Patient viewed own record"
    LINK_VIEW = "link_view", "Opened through a secure check-in link"


class AccessEventQuerySet(models.QuerySet["AccessEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The access log cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("The access log cannot be deleted.")


class AccessEvent(models.Model):
    """Who read which patient's data, when, how. Append-only.

    A read of one patient names them in `patient`. A page that shows many (a list, a
    search, a worklist) is one event with `patient` empty and one `AccessEventPatient`
    row per patient shown, so the log says what was on the screen, page by page.
    `actor` is empty only for a secure check-in link, where whoever holds the link reads.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_events",
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
        return f"{self.actor_label} {self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("The access log cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The access log cannot be deleted.")

    @property
    def actor_label(self) -> str:
        return str(self.actor) if self.actor_id else "Holder of a secure link"


class AccessEventPatientQuerySet(models.QuerySet["AccessEventPatient"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The access log cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("The access log cannot be deleted.")


class AccessEventPatient(models.Model):
    """One patient shown on a page logged as one `AccessEvent`. Append-only."""

    event = models.ForeignKey(AccessEvent, on_delete=models.PROTECT, related_name="shown")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="list_reads"
    )

    objects = AccessEventPatientQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "patient"], name="audit_shown_once")
        ]
        indexes = [models.Index(fields=["patient", "event"])]

    def __str__(self) -> str:
        return f"Patient {self.patient_id} shown in access event {self.event_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("The access log cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The access log cannot be deleted.")
