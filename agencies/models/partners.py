"""Partner systems (API clients of one agency) and their hashed, prefixed, scoped, expiring keys."""

from __future__ import annotations

from django.db import models
from rest_framework_api_key.models import AbstractAPIKey

from agencies.models.organisations import Agency


class PartnerSystem(models.Model):
    """A machine client of one agency: a national case system, MISP, OpenCTI..."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="partner_systems")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    webhook_url = models.URLField(blank=True, max_length=500)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "name"], name="partner_name_unique_in_agency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency.code})"

    @property
    def is_authenticated(self) -> bool:
        """Lets a partner system stand where DRF expects an authenticated principal."""
        return True


class Scope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Read and write"


class PartnerAPIKey(AbstractAPIKey):
    """Stored as a SHA-512 hash; the clear key is shown once, at creation."""

    partner = models.ForeignKey(PartnerSystem, on_delete=models.CASCADE, related_name="api_keys")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "partner API key"
        verbose_name_plural = "partner API keys"
        indexes = [models.Index(fields=["partner", "revoked"])]

    def allows(self, scope: str) -> bool:
        return self.scope == Scope.WRITE or scope == Scope.READ
