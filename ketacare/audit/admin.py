from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ketacare.audit.models import AccessEvent


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin[AccessEvent]):
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
