"""The report page and the explanation of who can see a report; lookups start at visible_to()."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from agencies.models import Agency, Country
from portal.typing import AuthenticatedHttpRequest
from sharing import audit
from sharing.access import explain_visibility, preview_audience
from sharing.models import AuditAction, DisseminationBasis, Report, ReportState, Tlp
from sharing.web.context import request_context


def visible_report_or_404(request: AuthenticatedHttpRequest, report_uuid: Any) -> Report:
    """The report if the user may see it; otherwise the same 404 as a missing one, audited."""
    report = (
        Report.objects.visible_to(request.user)
        .select_related("category", "originator_agency__country", "author")
        .filter(uuid=report_uuid)
        .first()
    )
    if report is None:
        audit.record_denial(
            request.user,
            AuditAction.ACCESS_DENIED,
            context=request_context(request),
            details={"report": str(report_uuid), "path": request.path},
        )
        raise Http404("No such report.")
    return report


@login_required
def report_detail(request: AuthenticatedHttpRequest, report_uuid: Any) -> HttpResponse:
    report = visible_report_or_404(request, report_uuid)
    audit.record(
        request.user,
        AuditAction.REPORT_VIEWED,
        [report],
        context=request_context(request),
    )
    user_agency = request.user.agency
    is_originator = _is_originator(user_agency, report)
    context: dict[str, Any] = {
        "report": report,
        "tlp_label": Tlp(report.tlp).label,
        "indicators": report.indicators.all(),
        "is_originator": is_originator,
        "explanation": explain_visibility(report, user_agency) if user_agency else None,
    }
    if is_originator and report.state == ReportState.DRAFT:
        context["preview"] = _describe(preview_audience(report))
    return render(request, "sharing/report_detail.html", context)


def _is_originator(agency: Agency | None, report: Report) -> bool:
    return agency is not None and agency.pk == report.originator_agency_id


def _describe(recipients: Any) -> list[str]:
    countries = dict(
        Country.objects.filter(id__in={r.country_id for r in recipients}).values_list("id", "name")
    )
    agencies = {
        a.pk: str(a)
        for a in Agency.objects.select_related("country").filter(
            id__in={r.agency_id for r in recipients}
        )
    }
    lines = []
    for r in sorted(recipients):
        who = (
            agencies.get(r.agency_id)
            if r.agency_id
            else countries.get(r.country_id)
            if r.country_id
            else gettext("every agency")
        )
        lines.append(f"{who} — {DisseminationBasis(r.basis).label}")
    return lines


@login_required
def report_explain(request: AuthenticatedHttpRequest, report_uuid: Any) -> HttpResponse:
    """Why a country or agency can or cannot see the report (originator agency asks for anyone)."""
    report = visible_report_or_404(request, report_uuid)
    user_agency = request.user.agency
    is_originator = _is_originator(user_agency, report)
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
