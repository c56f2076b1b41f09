"""Exports of the report list: what an analyst takes out of the portal, capped and accounted for."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from agencies.models import User
from sharing import audit
from sharing.audit import SYSTEM, RequestContext
from sharing.models import AuditAction, Report, ReportFilters


class ExportTooLarge(Exception):
    """More reports match than one export may hold."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} reports match")
        self.limit = limit


def export_reports(
    *,
    actor: User,
    filters: ReportFilters,
    justification: str,
    context: RequestContext = SYSTEM,
) -> list[Report]:
    """The published reports the actor may see that match `filters`, newest first, recorded.

    One audit event names every exported report and carries the justification. Refused
    (ExportTooLarge, nothing recorded as exported) when more than REPORT_EXPORT_MAX_ROWS match.
    """
    justification = justification.strip()
    if not justification:
        raise ValueError("An export needs a justification.")
    limit: int = settings.REPORT_EXPORT_MAX_ROWS
    matching = Report.objects.filtered_newest_visible(actor, filters, limit + 1)
    with transaction.atomic():
        reports = list(
            matching.select_related("category", "originator_agency__country").order_by(
                "-published_at", "-id"
            )
        )
        if len(reports) > limit:
            raise ExportTooLarge(limit)
        audit.record(
            actor,
            AuditAction.EXPORTED,
            reports,
            context=context,
            justification=justification,
            details={"format": "csv", "count": len(reports), "filters": _described(filters)},
        )
    return reports


def _described(filters: ReportFilters) -> dict[str, str]:
    values = {
        **filters.on_report(),
        "published_from": filters.published_from,
        "published_until": filters.published_until,
    }
    return {name: str(value) for name, value in values.items() if value is not None}
