"""Joined with check-ins' URLs into the `measures` namespace by ketacare/urls.py."""

from django.urls import path

from ketacare.measures import views

urlpatterns = [
    path("patients/<int:patient_id>/scores/", views.scores, name="scores"),
    path(
        "patients/<int:patient_id>/scores/new/<str:instrument>/",
        views.response_new,
        name="response_new",
    ),
    path(
        "patients/<int:patient_id>/scores/<int:response_id>/amend/",
        views.response_amend,
        name="response_amend",
    ),
]
