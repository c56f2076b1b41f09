"""Sharing app: reports, agreements, dissemination, alerts and audit."""

from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sharing.audit import hooks

        hooks.connect()
