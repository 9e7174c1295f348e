from django.urls import path

from ketacare.patients import views

app_name = "patients"

# The pages that read across apps (list, chart, audit trail, export) are in
# ketacare/dashboard/urls.py, joined into this namespace by ketacare/urls.py.

urlpatterns = [
    path("new/", views.patient_create, name="create"),
    path("<int:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<int:patient_id>/phase/", views.patient_phase_change, name="phase_change"),
    path("<int:patient_id>/care-team/", views.care_team_add, name="care_team_add"),
    path(
        "<int:patient_id>/care-team/<int:assignment_id>/end/",
        views.care_team_end,
        name="care_team_end",
    ),
    path("<int:patient_id>/portal-invite/", views.patient_portal_invite, name="portal_invite"),
]
