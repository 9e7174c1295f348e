from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "ketacare.outbox"
    label = "outbox"
    verbose_name = "Outbox"
