from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from simple_history.admin import SimpleHistoryAdmin

from ketacare.accounts.models import ApiToken, Clinic, StaffMember, User
from ketacare.audit.admin import PatientReadsLoggedAdmin
from ketacare.audit.history import audit_trail_of


def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The technical admin signs in through the staff sign-in, never a password-only form.

    Django's own admin login would skip the per-account step-up (and is a second place
    to guess passwords); the staff sign-in applies lockout, step-up and the second factor.
    """
    if admin.site.has_permission(request):
        return redirect("admin:index")
    if request.user.is_authenticated:
        raise PermissionDenied("The technical admin is only for technical administrators.")
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    return redirect_to_login(next_url, login_url=reverse("accounts:login"))


admin.site.login = admin_login  # type: ignore[method-assign]


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
