"""Base model admins: read-only rows, and rows about reports listed through visible_to."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from portal.admin import ServiceAdmin
from sharing.models import (
    Report,
)


class ReadOnlyAdmin(ServiceAdmin):
    """Rows written only by services elsewhere: the admin shows them and changes nothing.

    It implements none of ServiceAdmin's write hooks, so it offers no add, change or delete.
    """


class VisibleReportsAdmin(ReadOnlyAdmin):
    """Rows about reports, listed only for reports the admin may see (need-to-know binds all)."""

    report_field = "report"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        visible = Report.objects.visible_to(request.user)
        return super().get_queryset(request).filter(**{f"{self.report_field}__in": visible})
