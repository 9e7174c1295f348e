from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "ketacare.outbox"
    label = "outbox"
    verbose_name = "Outbox"

    def ready(self) -> None:
        from ketacare.outbox import checks  # noqa: F401  (registers the lease check)
