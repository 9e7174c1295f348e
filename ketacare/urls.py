from django.contrib import admin
from django.urls import include, path

from ketacare.accounts import views as account_views
from ketacare.api.api import api
from ketacare.checkins import urls as checkin_urls
from ketacare.dashboard import urls as dashboard_urls
from ketacare.measures import urls as measure_urls
from ketacare.patients import urls as patient_urls

admin.site.site_header = "ketacare technical admin"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("ketacare.accounts.urls")),
    # One `patients` namespace: the record's writes (patients) and the pages that read
    # across apps (dashboard) keep the URL names they always had.
    path(
        "patients/",
        include((dashboard_urls.urlpatterns + patient_urls.urlpatterns, "patients")),
    ),
    path("portal/", include("ketacare.portal.urls")),
    # Likewise one `measures` namespace for scores (measures) and check-ins (checkins).
    path("", include((measure_urls.urlpatterns + checkin_urls.urlpatterns, "measures"))),
    path("api/v1/", api.urls),
    path("fhir/", include("ketacare.api.fhir.urls")),
    path("outbox/", include("ketacare.outbox.urls")),
    path("admin/", admin.site.urls),
]
