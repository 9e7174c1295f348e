from django.urls import path

from ketacare.outbox import views

app_name = "outbox"
urlpatterns = [
    path("sms-status/", views.sms_status, name="sms_status"),
]
