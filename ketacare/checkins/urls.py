"""Joined into the `measures` namespace by ketacare/urls.py: the names (`measures:link`,
`measures:worklist` ...) predate this app, and links already sent to patients use them."""

from django.urls import path

from ketacare.checkins import link_views, views

urlpatterns = [
    path("c/<str:token>/", link_views.link, name="link"),
    path("c/<str:token>/save/", link_views.link_save, name="link_save"),
    path("c/<str:token>/new-link/", link_views.link_renew, name="link_renew"),
    path("patients/<int:patient_id>/checkins/send/", views.checkin_send_now, name="send_now"),
    path("patients/<int:patient_id>/checkins/plan/", views.measurement_plan, name="plan"),
    path("patients/<int:patient_id>/checkins/dose/", views.dose_checkins, name="dose_checkins"),
    path("checkins/", views.checkin_worklist, name="worklist"),
    path("checkins/settings/", views.clinic_checkin_settings, name="clinic_settings"),
    path("checkins/<int:checkin_id>/resend/", views.checkin_resend, name="resend"),
]
