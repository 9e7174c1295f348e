from django.urls import path

from ketacare.measures import link_views

app_name = "measures"

urlpatterns = [
    path("c/<str:token>/", link_views.link, name="link"),
    path("c/<str:token>/save/", link_views.link_save, name="link_save"),
    path("c/<str:token>/new-link/", link_views.link_renew, name="link_renew"),
]
