from django.contrib import admin
from django.urls import include, path

from ketacare.accounts import views as account_views
from ketacare.api.api import api

admin.site.site_header = "ketacare technical admin"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("ketacare.accounts.urls")),
    path("patients/", include("ketacare.patients.urls")),
    path("portal/", include("ketacare.portal.urls")),
    path("", include("ketacare.measures.urls")),
    path("api/v1/", api.urls),
    path("fhir/", include("ketacare.api.fhir.urls")),
    path("outbox/", include("ketacare.outbox.urls")),
    path("admin/", admin.site.urls),
]
