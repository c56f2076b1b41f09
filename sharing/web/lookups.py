"""Finding the report a page is about: through visible_to(), with the same audited 404 for all."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from portal.typing import AuthenticatedHttpRequest
from sharing import audit, services
from sharing.models import AuditAction, Report
from sharing.web.context import request_context


def _deny(request: AuthenticatedHttpRequest, report_uuid: Any, **details: str) -> Http404:
    audit.record_denial(
        request.user,
        AuditAction.ACCESS_DENIED,
        context=request_context(request),
        details={"report": str(report_uuid), "path": request.path, **details},
    )
    return Http404("No such report.")


def visible_report_or_404(request: AuthenticatedHttpRequest, report_uuid: Any) -> Report:
    """The report if the user may see it; otherwise the same 404 as a missing one, audited."""
    report = (
        Report.objects.visible_to(request.user)
        .select_related("category", "originator_agency__country", "author")
        .filter(uuid=report_uuid)
        .first()
    )
    if report is None:
        raise _deny(request, report_uuid)
    return report


def changeable_report_or_404(request: AuthenticatedHttpRequest, report_uuid: Any) -> Report:
    """The report if the user may change it (the services decide who may); otherwise a 404.

    A partner who may read the report gets the same page as for a report that does not exist:
    the editor's address says nothing more than the report's own, and the attempt is recorded.
    """
    report = visible_report_or_404(request, report_uuid)
    if not services.may_change(report, request.user):
        raise _deny(request, report_uuid, reason="not the originator agency")
    return report
