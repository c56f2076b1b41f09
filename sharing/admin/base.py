"""Base model admins: read-only rows, and rows about reports listed through visible_to."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from sharing.models import (
    Report,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: the admin shows them and changes nothing."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VisibleReportsAdmin(ReadOnlyAdmin):
    """Rows about reports, listed only for reports the admin may see (need-to-know binds all)."""

    report_field = "report"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        visible = Report.objects.visible_to(request.user)
        return super().get_queryset(request).filter(**{f"{self.report_field}__in": visible})
