from django.apps import AppConfig
from django.conf import settings
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, pre_delete


class AuditConfig(AppConfig):
    name = "ketacare.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from ketacare.audit import history, sqlite

        connection_created.connect(sqlite.on_connection_created, dispatch_uid="audit_sqlite")
        pre_delete.connect(
            history.refuse_erasing_an_actor,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="audit_refuse_erasing_an_actor",
        )
        post_migrate.connect(
            history.install_append_only_triggers, sender=self, dispatch_uid="audit_history"
        )
