"""Searches analysts keep, to run again and to be alerted on."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from agencies.models import Agency


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
