from django.contrib.auth import views as auth_views
from django.urls import path

from ketacare.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="portal:login"), name="logout"),
    path("set-password/<uidb64>/<token>/", views.set_password, name="set_password"),
]
