from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "ketacare.alerts"
    label = "alerts"

    def ready(self) -> None:
        # measures is below alerts in the layers; it hands flags over through this hook.
        from ketacare.alerts.services import alerts_from_flags
        from ketacare.measures import hooks

        hooks.on_flags(alerts_from_flags)
