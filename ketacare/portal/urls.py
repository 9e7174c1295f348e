from django.contrib.auth import views as auth_views
from django.urls import path

from ketacare.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("login/email/", views.magic_request, name="magic_request"),
    path("login/email/<str:token>/", views.magic_login, name="magic_login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="portal:login"), name="logout"),
    path("set-password/<uidb64>/<token>/", views.set_password, name="set_password"),
    path("checkins/<int:checkin_id>/", views.checkin, name="checkin"),
    path("checkins/<int:checkin_id>/save/", views.checkin_save, name="checkin_save"),
    path("progress/", views.progress, name="progress"),
    path("learn/", views.learn, name="learn"),
    path("learn/<slug:slug>/", views.learn, name="learn_page"),
]
