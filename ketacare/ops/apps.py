from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ketacare.ops"
    label = "ops"
    verbose_name = "Operations: backups and database roles"
