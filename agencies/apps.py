"""Agencies app: countries, agencies, memberships and partner systems."""

from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Agencies"
    default_auto_field = "django.db.models.BigAutoField"
