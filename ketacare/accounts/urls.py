from django.contrib.auth import views as auth_views
from django.urls import path

from ketacare.accounts import clinic_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/complete/", views.password_reset_complete, name="password_reset_complete"),
    path("login/confirm/<str:token>/", views.signin_confirm, name="signin_confirm"),
    path("2fa/setup/", views.twofactor_setup, name="2fa_setup"),
    path("2fa/verify/", views.twofactor_verify, name="2fa_verify"),
    path("2fa/recovery/", views.twofactor_recovery, name="2fa_recovery"),
    path("clinic/switch/", views.clinic_switch, name="clinic_switch"),
    path("clinic/settings/", views.clinic_settings, name="clinic_settings"),
    path(
        "clinic/settings/crisis-lines/",
        clinic_views.clinic_crisis_lines,
        name="clinic_crisis_lines",
    ),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/add/", views.staff_invite, name="staff_invite"),
    path("staff/<int:member_id>/", views.staff_edit, name="staff_edit"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
