"""The project package as a Django app, so that its management commands (run_scheduler) load."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"
