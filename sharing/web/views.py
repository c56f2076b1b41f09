"""The home page and the report list; every lookup starts from Report.objects.visible_to()."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from portal.typing import AuthenticatedHttpRequest
from sharing import audit
from sharing.models import AuditAction, Category, Report
from sharing.pagination import BadCursor, newest_first
from sharing.web.context import request_context

PAGE_SIZE = 50


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    newest = Report.objects.newest_visible(request.user, 10)
    latest = list(newest.select_related("category", "originator_agency__country"))
    audit.record(
        request.user,
        AuditAction.REPORT_LISTED,
        context=request_context(request),
        details={"page": "home", "count": len(latest)},
    )
    return render(request, "sharing/home.html", {"latest": latest})


@login_required
def report_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    reports = Report.objects.select_related("category", "originator_agency__country")
    category = request.GET.get("category", "")
    try:
        if category:
            visible = reports.visible_to(request.user).published()
            narrowed = visible.filter(category__code=category)
            page = newest_first(narrowed, request.GET.get("cursor"), PAGE_SIZE)
        else:
            # Unfiltered: read from the user's grants in list order (no walk over reports).
            page = newest_first(
                reports, request.GET.get("cursor"), PAGE_SIZE, visible_to=request.user
            )
    except BadCursor:
        return render(
            request,
            "sharing/report_list.html",
            {"error": _("That page link is not valid.")},
            status=400,
        )
    audit.record(
        request.user,
        AuditAction.REPORT_LISTED,
        context=request_context(request),
        details={"category": category, "count": len(page.items)},
    )
    return render(
        request,
        "sharing/report_list.html",
        {"page": page, "categories": Category.objects.all(), "category": category},
    )
