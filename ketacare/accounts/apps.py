from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketacare.accounts"
    label = "accounts"
    verbose_name = "Accounts and clinics"

    def ready(self) -> None:
        # Connects the per-account sign-in failure counter to Django's auth signals.
        from ketacare.accounts import stepup  # noqa: F401
