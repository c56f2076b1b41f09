"""Admin of the audit record: read-only."""

from __future__ import annotations

from django.contrib import admin

from sharing.admin.base import ReadOnlyAdmin
from sharing.models import (
    AuditEvent,
)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "action", "actor_label", "agency", "channel", "outcome")
    list_filter = ("action", "channel", "outcome")
    list_select_related = ("agency__country",)
    search_fields = ("actor_label", "request_id", "object_ids")
    date_hierarchy = "occurred_at"
