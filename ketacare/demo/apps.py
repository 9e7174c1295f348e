from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The synthetic demo clinic. It imports every app, so it sits on top and nothing imports it."""

    name = "ketacare.demo"
    label = "demo"
    verbose_name = "Demo clinic (synthetic data only)"
