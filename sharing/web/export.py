"""CSV export of the filtered report list: a justification, a cap, one audit event."""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from portal.typing import AuthenticatedHttpRequest
from sharing import services
from sharing.models import Report, Tlp
from sharing.web.context import request_context
from sharing.web.filters import ReportListForm

COLUMNS = (
    "uuid",
    "published_at",
    "title",
    "summary",
    "category",
    "marking",
    "handling_code",
    "priority",
    "language",
    "originator_agency",
    "originator_country",
    "occurred_at",
    "latitude",
    "longitude",
    "place",
    "border_sector",
    "version",
)
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class JustificationForm(forms.Form):
    justification = forms.CharField(
        label=_("Why do you need this export?"),
        help_text=_("Recorded with the list of exported reports."),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_justification(self) -> str:
        text: str = self.cleaned_data["justification"].strip()
        if not text:
            raise forms.ValidationError(gettext("Say why you need this export."))
        return text


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(report: Report) -> list[str]:
    values = [
        report.uuid,
        report.published_at.isoformat() if report.published_at else "",
        report.title,
        report.summary,
        report.category.code,
        Tlp(report.tlp).label,
        report.handling_code,
        report.get_priority_display(),
        report.language,
        report.originator_agency.code,
        report.originator_agency.country.code,
        report.occurred_at.isoformat() if report.occurred_at else "",
        report.latitude,
        report.longitude,
        report.place,
        report.border_sector,
        report.version,
    ]
    return [_cell(value) for value in values]


def as_csv(reports: list[Report]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(_row(report) for report in reports)
    return out.getvalue()


@login_required
@require_http_methods(["GET", "POST"])
def report_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET: the export form for the list's filters; POST: the CSV, or why not."""
    data = request.POST if request.method == "POST" else request.GET
    filter_form = ReportListForm(data)
    form = JustificationForm(request.POST if request.method == "POST" else None)
    limit: int = settings.REPORT_EXPORT_MAX_ROWS
    context: dict[str, Any] = {
        "form": form,
        "filter_form": filter_form,
        "query": filter_form.query(),
        "limit": limit,
    }
    if not filter_form.is_valid():
        return render(request, "sharing/report_export.html", context, status=400)
    context["described"] = [(field.label, _shown(field)) for field in filter_form if field.data]
    if request.method == "GET" or not form.is_valid():
        status = 400 if form.is_bound else 200
        return render(request, "sharing/report_export.html", context, status=status)
    try:
        reports = services.export_reports(
            actor=request.user,
            filters=filter_form.filters(),
            justification=form.cleaned_data["justification"],
            context=request_context(request),
        )
    except services.ExportTooLarge:
        messages.error(
            request,
            gettext(
                "More than %(limit)s reports match these filters, the most one export may "
                "hold. Narrow them (a shorter date range, a category) and export again."
            )
            % {"limit": limit},
        )
        return render(request, "sharing/report_export.html", context, status=400)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(as_csv(reports), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reports-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def _shown(field: forms.BoundField) -> str:
    """A filter's value as the select shows it (its label), or as typed."""
    choices = getattr(field.field, "choices", None)
    if choices is not None:
        for value, label in choices:
            if str(getattr(value, "value", value)) == str(field.value()):
                return str(label)
    return str(field.value())
