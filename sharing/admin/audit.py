"""Admin of the audit record: read-only, and for portal admins only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from agencies.roles import is_portal_admin
from sharing.admin.base import ReadOnlyAdmin
from sharing.models import (
    AuditEvent,
)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    # Justifications and object ids of every agency's exchanges: not for staff at large, and
    # no Django view permission opens it. Objects are shown by type and id, never by their
    # string (a report's is its title, which the viewer may not be allowed to see).
    list_display = ("occurred_at", "action", "actor_label", "agency", "channel", "outcome")
    list_filter = ("action", "channel", "outcome")
    list_select_related = ("agency__country",)
    search_fields = ("actor_label", "request_id", "object_ids")
    date_hierarchy = "occurred_at"
    # actor_key is left out: the key's primary key embeds its hash; actor_label names its prefix.
    fields = (
        "occurred_at",
        "action",
        "outcome",
        "actor_label",
        "actor_user",
        "agency",
        "country",
        "channel",
        "ip",
        "request_id",
        "object_type",
        "object_ids",
        "recipients",
        "justification",
        "details",
        "seq",
        "prev_hash",
        "hash",
    )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_portal_admin(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_portal_admin(request.user)
