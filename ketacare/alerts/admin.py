from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ketacare.alerts.models import Alert
from ketacare.audit.admin import PatientReadsLoggedAdmin


@admin.register(Alert)
class AlertAdmin(PatientReadsLoggedAdmin, SimpleHistoryAdmin):
    list_display = [
        "triggered_at",
        "raised_at",
        "patient",
        "severity",
        "kind",
        "status",
        "assignee",
    ]
    list_filter = ["severity", "status", "kind"]
    readonly_fields = [
        "patient",
        "kind",
        "severity",
        "title",
        "evidence",
        "response",
        "triggered_at",
        "raised_at",
    ]
