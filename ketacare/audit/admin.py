from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse

from ketacare.audit.models import AccessAction, AccessEvent
from ketacare.audit.services import access_record


def _patient_of(obj: Any) -> Any:
    """The patient a row belongs to: the row itself for a patient, else its `patient`."""
    if obj is None:
        return None
    label = obj._meta.label_lower
    if label == "patients.patient":
        return obj
    if label == "accounts.user":  # a patient's portal account names them
        try:
            return obj.patient_record
        except ObjectDoesNotExist:
            return None
    return getattr(obj, "patient", None)


class PatientReadsLoggedAdmin(admin.ModelAdmin[Any]):
    """Base for every admin page that shows a patient's data: each page is logged.

    The technical admin is a way into the record like any other, so its list, change,
    delete-confirmation and history pages leave the same trace as the staff pages."""

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        self._log(request, [obj])
        return obj

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            self._log(request, list(changelist.result_list), page=True)
        return response

    def render_history_view(
        self, request: HttpRequest, template: str, context: dict[str, Any], **kwargs: Any
    ) -> HttpResponse:
        """simple-history's history pages render here; log the record they show."""
        self._log(request, [context.get("object") or context.get("original")])
        render: Any = super().render_history_view  # type: ignore[misc]
        response: HttpResponse = render(request, template, context, **kwargs)
        return response

    def _log(self, request: HttpRequest, rows: list[Any], *, page: bool = False) -> None:
        patients = [p for p in (_patient_of(r) for r in rows) if p is not None]
        if not patients and not page:
            return
        action = AccessAction.VIEW_LIST if page else AccessAction.VIEW_ADMIN
        access_record(actor=request.user, patients=patients, action=action, request=request)  # type: ignore[arg-type]


@admin.register(AccessEvent)
class AccessEventAdmin(PatientReadsLoggedAdmin):
    """Read-only: nobody, not even a superuser, edits or deletes the access log."""

    list_display = ["at", "actor", "patient", "action", "path"]
    list_filter = ["action"]
    search_fields = ["patient__mrn", "actor__email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
