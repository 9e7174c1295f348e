from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ketacare.audit.admin import PatientReadsLoggedAdmin
from ketacare.patients.models import CareTeamMember, Patient, PhaseChange


@admin.register(Patient)
class PatientAdmin(PatientReadsLoggedAdmin, SimpleHistoryAdmin):
    list_display = ["mrn", "family_name", "given_name", "clinic", "phase"]
    list_filter = ["clinic", "phase"]
    search_fields = ["mrn", "family_name", "given_name"]


@admin.register(PhaseChange)
class PhaseChangeAdmin(PatientReadsLoggedAdmin):
    list_display = ["patient", "from_phase", "to_phase", "changed_by", "changed_at"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(CareTeamMember)
class CareTeamMemberAdmin(PatientReadsLoggedAdmin, SimpleHistoryAdmin):
    list_display = ["patient", "staff_member", "role", "started_at", "ended_at"]
