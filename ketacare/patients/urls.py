from django.urls import path

from ketacare.patients import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<int:patient_id>/", views.patient_detail, name="detail"),
    path("<int:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<int:patient_id>/phase/", views.patient_phase_change, name="phase_change"),
    path("<int:patient_id>/care-team/", views.care_team_add, name="care_team_add"),
    path(
        "<int:patient_id>/care-team/<int:assignment_id>/end/",
        views.care_team_end,
        name="care_team_end",
    ),
    path("<int:patient_id>/audit/", views.patient_audit, name="audit"),
    path("<int:patient_id>/export/", views.patient_export, name="export"),
    path("<int:patient_id>/portal-invite/", views.patient_portal_invite, name="portal_invite"),
]
