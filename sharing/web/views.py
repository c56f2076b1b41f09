"""The report list; every lookup starts from Report.objects.visible_to()."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from portal.typing import AuthenticatedHttpRequest
from sharing import audit
from sharing.models import AuditAction, Report
from sharing.pagination import BadCursor, newest_first
from sharing.web.context import request_context
from sharing.web.filters import ReportListForm

PAGE_SIZE = 50


@login_required
def report_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ReportListForm(request.GET)
    context: dict[str, Any] = {"form": form, "query": form.query()}
    if not form.is_valid():
        return render(request, "sharing/report_list.html", context, status=400)
    filters = form.filters()
    reports = Report.objects.select_related("category", "originator_agency__country")
    try:
        # Read from the user's grants in list order, the filters inside the walk.
        page = newest_first(
            reports,
            request.GET.get("cursor"),
            PAGE_SIZE,
            visible_to=request.user,
            filters=filters,
        )
    except BadCursor:
        context["error"] = _("That page link is not valid.")
        return render(request, "sharing/report_list.html", context, status=400)
    audit.record(
        request.user,
        AuditAction.REPORT_LISTED,
        context=request_context(request),
        details={"filters": form.query(), "count": len(page.items)},
    )
    context |= {"page": page, "filtered": bool(filters)}
    return render(request, "sharing/report_list.html", context)
