from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ketacare.accounts.models import ApiToken, Clinic, StaffMember, User
from ketacare.audit.admin import PatientReadsLoggedAdmin


@admin.register(User)
class UserAdmin(PatientReadsLoggedAdmin):
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    exclude = ["password"]


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
