from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ketacare.portal"
    label = "portal"
    verbose_name = "Patient portal"
