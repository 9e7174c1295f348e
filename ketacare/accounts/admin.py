from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from ketacare.accounts.models import ApiToken, Clinic, StaffMember, User
from ketacare.audit.admin import PatientReadsLoggedAdmin
from ketacare.audit.history import audit_trail_of


@admin.register(User)
class UserAdmin(PatientReadsLoggedAdmin):
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    exclude = ["password"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Someone named in the audit trail is deactivated, never deleted."""
        if obj is not None and audit_trail_of(obj):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Clinic)
class ClinicAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "time_zone"]


@admin.register(StaffMember)
class StaffMemberAdmin(SimpleHistoryAdmin):
    list_display = ["user", "clinic", "roles", "is_active"]
    list_filter = ["clinic", "is_active"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["name", "key_id", "staff_member", "created_at", "revoked_at"]
    readonly_fields = ["key_id", "secret_hash", "created_at", "last_used_at"]
