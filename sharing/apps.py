"""Sharing app: reports, agreements, dissemination, alerts and audit."""

from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from sharing.audit import hooks
        from sharing.audit.checks import chain_key_check

        hooks.connect()
        checks.register(chain_key_check, checks.Tags.security, deploy=True)
