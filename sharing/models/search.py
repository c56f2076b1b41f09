"""Searches analysts keep, to run again and to be alerted on."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from sharing.models.reports import IndicatorType


class SavedSearch(models.Model):
    """A query and its filters as the search page takes them, kept by one analyst.

    `filters` holds the page's own parameters (category code, marking, country code, …), so the
    search reruns exactly as it was saved, and an alert can run it against each new report.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=200, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["owner", "name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_search_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def parameters(self) -> dict[str, Any]:
        """The search page's query string parameters for this search."""
        return {"q": self.query, **self.filters}


class CommonValue(models.Model):
    """A stop-list entry: an indicator value too common to correlate or to look up.

    Portal admins keep the list. An entry names a value (of one indicator type, or of any
    when `type` is empty), compared without regard to case, or, for IP addresses, a network
    in CIDR notation that covers every address in it (private ranges, loopback).
    """

    type = models.CharField(
        _("indicator type"),
        max_length=20,
        choices=IndicatorType.choices,
        blank=True,
        help_text=_("Empty: the value is common whatever the indicator's type."),
    )
    value = models.CharField(
        _("value"),
        max_length=500,
        help_text=_("A value (case does not matter), or an IP network such as 10.0.0.0/8."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["type", "value"]
        verbose_name = _("common value")
        verbose_name_plural = _("common values (stop-list)")
        constraints = [
            models.UniqueConstraint(fields=["type", "value"], name="common_value_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.type or '*'}: {self.value}"
