"""The report page, its attachments and who can see it; every lookup starts at visible_to()."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render

from agencies.models import Agency, Country
from portal.typing import AuthenticatedHttpRequest
from sharing import audit, services
from sharing.access import explain_visibility
from sharing.models import Attachment, AuditAction, Report, ReportState, Tlp
from sharing.pagination import BadCursor, newest_first
from sharing.search.correlation import correlate, sharing_values, uncommon
from sharing.web.audit_log import report_accesses
from sharing.web.context import request_context
from sharing.web.editor import release_preview
from sharing.web.history import version_history
from sharing.web.justification import (
    JustificationForm,
    needs_justification,
    remember,
    remembered,
)
from sharing.web.labels import TLP_MEANINGS
from sharing.web.lookups import visible_report_or_404
from sharing.web.maps import map_point
from sharing.web.rendering import render_markdown

logger = logging.getLogger(__name__)


def _justification_page(
    request: AuthenticatedHttpRequest, report: Report
) -> tuple[str, HttpResponse | None]:
    """The remembered justification, or the page asking for one (or a redirect once given)."""
    if not needs_justification(report, request.user):
        return "", None
    given = remembered(request, report)
    if given:
        return given, None
    form = JustificationForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        remember(request, report, form.cleaned_data["justification"])
        return "", redirect(request.get_full_path())
    page = render(
        request,
        "sharing/report_justify.html",
        {
            "report": report,
            "form": form,
            "tlp_label": Tlp(report.tlp).label,
            "tlp_meaning": TLP_MEANINGS[report.tlp],
        },
        status=400 if form.is_bound else 200,
    )
    return "", page


@login_required
def report_detail(request: AuthenticatedHttpRequest, report_uuid: Any) -> HttpResponse:
    report = visible_report_or_404(request, report_uuid)
    justification, asking = _justification_page(request, report)
    if asking is not None:
        return asking
    audit.record(
        request.user,
        AuditAction.REPORT_VIEWED,
        [report],
        context=request_context(request),
        justification=justification,
    )
    user_agency = request.user.agency
    is_originator = services.may_change(report, request.user)
    correlations = correlate(report, request.user)
    related = [r["uuid"] for group in correlations for r in group.reports]
    if related:
        # What the page combined: the report with the others that share its values.
        audit.record(
            request.user,
            AuditAction.CORRELATED,
            [report],
            context=request_context(request),
            details={"related": [str(u) for u in related]},
        )
    versions = report.versions.select_related("edited_by", "edited_by_key__partner")
    context: dict[str, Any] = {
        "report": report,
        "tlp_label": Tlp(report.tlp).label,
        "tlp_meaning": TLP_MEANINGS[report.tlp],
        "body_html": render_markdown(report.body),
        "correlations": correlations,
        "attachments": report.attachments.all(),
        "history": version_history(list(versions), for_originator=is_originator),
        "is_originator": is_originator,
        "explanation": explain_visibility(report, user_agency) if user_agency else None,
        "location": _location(report),
    }
    if is_originator:
        context["accesses"] = report_accesses(report)
        # Live rows first, then the ended ones, each in the order they were granted.
        context["disseminations"] = report.disseminations.select_related(
            "recipient_country", "recipient_agency__country", "agreement", "forwarded_by__country"
        ).order_by(F("revoked_at").asc(nulls_first=True), "granted_at", "id")
        if report.state == ReportState.DRAFT:
            context["preview"] = release_preview(report)
    return render(request, "sharing/report_detail.html", context)


def _location(report: Report) -> list[dict[str, Any]]:
    """The report's point for its small map, if it has one."""
    if report.latitude is None or report.longitude is None:
        return []
    return [
        map_point(
            uuid=report.uuid,
            title=report.title,
            latitude=report.latitude,
            longitude=report.longitude,
            tlp=report.tlp,
            place=report.place,
        )
    ]


@login_required
def attachment_download(
    request: AuthenticatedHttpRequest, attachment_uuid: Any
) -> HttpResponseBase:
    """The file, if its report is visible to the user; otherwise the same audited 404."""
    attachment = (
        Attachment.objects.select_related("report")
        .filter(uuid=attachment_uuid, report__in=Report.objects.visible_to(request.user))
        .first()
    )
    if attachment is None:
        audit.record_denial(
            request.user,
            AuditAction.ACCESS_DENIED,
            context=request_context(request),
            details={"attachment": str(attachment_uuid), "path": request.path},
        )
        raise Http404("No such attachment.")
    justification = ""
    if needs_justification(attachment.report, request.user):
        justification = remembered(request, attachment.report)
        if not justification:
            # The report page asks for it first; its attachment links work after that.
            return redirect("report-detail", attachment.report.uuid)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        logger.error("Attachment %s has no file in storage", attachment.uuid)
        raise Http404("No such attachment.") from None
    audit.record(
        request.user,
        AuditAction.ATTACHMENT_DOWNLOADED,
        [attachment.report],
        context=request_context(request),
        justification=justification,
        details={"attachment": str(attachment.uuid), "sha256": attachment.sha256},
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    # Always saved to disk, never rendered in the portal's origin, never guessed at, never
    # kept in a shared cache.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def report_explain(request: AuthenticatedHttpRequest, report_uuid: Any) -> HttpResponse:
    """Why a country or agency can or cannot see the report (originator agency asks for anyone)."""
    report = visible_report_or_404(request, report_uuid)
    user_agency = request.user.agency
    is_originator = services.may_change(report, request.user)
    target: Country | Agency | None = user_agency
    if is_originator:
        code = request.GET.get("agency") or ""
        country_code = request.GET.get("country") or ""
        if code:
            target = Agency.objects.select_related("country").filter(code=code).first()
        elif country_code:
            target = Country.objects.filter(code=country_code.upper()).first()
        if target is None:
            raise Http404("No such country or agency.")
    explanation = explain_visibility(report, target) if target else None
    audit.record(
        request.user,
        AuditAction.VISIBILITY_EXPLAINED,
        [report],
        context=request_context(request),
        details={"target": str(target)},
    )
    return render(
        request,
        "sharing/report_explain.html",
        {
            "report": report,
            "target": target,
            "explanation": explanation,
            "is_originator": is_originator,
            "countries": Country.objects.all() if is_originator else [],
            "agencies": Agency.objects.select_related("country") if is_originator else [],
        },
    )


RELATED_PAGE_SIZE = 50


@login_required
def report_related(request: AuthenticatedHttpRequest, report_uuid: Any) -> HttpResponse:
    """Every report the user may see sharing a value of this report (`?indicator=`: one value).

    Values on the stop-list join nothing, here as on the report page.
    """
    report = visible_report_or_404(request, report_uuid)
    indicators = list(report.indicators.all())
    indicator = None
    chosen = request.GET.get("indicator", "")
    if chosen:
        indicator = next((i for i in indicators if str(i.pk) == chosen), None)
        if indicator is None:
            raise Http404("No such indicator.")
        indicators = [indicator]
    reports = sharing_values(report, uncommon(indicators), request.user).select_related(
        "category", "originator_agency__country"
    )
    try:
        page = newest_first(reports, request.GET.get("cursor"), RELATED_PAGE_SIZE)
    except BadCursor:
        raise Http404("No such page.") from None
    audit.record(
        request.user,
        AuditAction.CORRELATED,
        [report],
        context=request_context(request),
        details={
            "indicator": indicator.pk if indicator else None,
            "related": [str(r.uuid) for r in page.items],
        },
    )
    return render(
        request,
        "sharing/report_related.html",
        {"report": report, "indicator": indicator, "page": page},
    )
