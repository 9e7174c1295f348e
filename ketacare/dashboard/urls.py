"""Joined into the `patients` namespace by ketacare/urls.py (the names predate this app)."""

from django.urls import path

from ketacare.dashboard import views

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("<int:patient_id>/", views.patient_detail, name="detail"),
    path("<int:patient_id>/audit/", views.patient_audit, name="audit"),
    path("<int:patient_id>/export/", views.patient_export, name="export"),
]
