"""The report editor: writing and editing reports, the release preview, publishing, retraction.

Views parse the forms and call the services; who may change a report, what a marking needs and
who receives it are the services' and sharing.access's answers, never decided here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

from agencies.models import Agency
from portal.typing import AuthenticatedHttpRequest
from sharing import services
from sharing.access import preview_audience
from sharing.models import (
    ContentLanguage,
    DisseminationBasis,
    HandlingCode,
    InformationCredibility,
    Priority,
    Report,
    ReportState,
    SourceReliability,
    Tlp,
)
from sharing.services.reports import EDITABLE_FIELDS
from sharing.web.context import request_context
from sharing.web.forms import (
    IndicatorFormSet,
    ReleaseForm,
    ReportForm,
    RetractForm,
    field_errors_from,
)
from sharing.web.labels import TLP_MEANINGS
from sharing.web.lookups import changeable_report_or_404
from sharing.web.release import describe_audience
from sharing.web.rendering import render_markdown

INDICATORS = "indicators"  # the formset's prefix


def _writing_agency(request: AuthenticatedHttpRequest) -> Agency:
    agency = request.user.agency
    if agency is None or not agency.is_active:
        raise PermissionDenied("Only members of an active agency write reports.")
    return agency


def _defaults() -> dict[str, Any]:
    language = get_language() or ContentLanguage.ENGLISH
    return {
        "tlp": Tlp.AMBER,
        "handling_code": HandlingCode.H0,
        "source_reliability": SourceReliability.F,
        "information_credibility": InformationCredibility.CANNOT_JUDGE,
        "priority": Priority.ROUTINE,
        # Most analysts write in the language they read the portal in.
        "language": language if language in ContentLanguage.values else ContentLanguage.OTHER,
    }


# --------------------------------------------------------------------------------------------
# The release preview


def release_preview(report: Report, data: Any | None = None) -> dict[str, Any]:
    """Who would receive the report now, from `preview_audience` (the code publishing runs).

    `data` holds the editor's current values (marking, category, handling code, REL TO,
    recipients); they are applied to `report` in memory only, never saved.
    """
    rel_to_ids = recipient_ids = None
    if data is not None:
        release = ReleaseForm(data)
        report.category = release.value("category")
        report.tlp = release.value("tlp") if release.value("tlp") is not None else report.tlp
        report.handling_code = release.value("handling_code") or report.handling_code
        rel_to_ids = [c.pk for c in release.value("rel_to") or ()]
        recipient_ids = [a.pk for a in release.value("recipients") or ()]
    audience = preview_audience(report, rel_to=rel_to_ids, recipient_ids=recipient_ids)
    named = any(r.basis == DisseminationBasis.NAMED_RECIPIENT for r in audience)
    hints = []
    if report.category_id is None:
        hints.append(gettext("Choose a category: agreements share reports by category."))
    if report.tlp >= Tlp.AMBER_STRICT and not named:
        hints.append(
            gettext(
                "%(marking)s goes to named recipient agencies only: name at least one before"
                " publishing."
            )
            % {"marking": Tlp(report.tlp).label}
        )
    return {
        "lines": describe_audience(audience),
        "hints": hints,
        "marking": Tlp(report.tlp).label,
        "is_published": report.state == ReportState.PUBLISHED,
    }


def _unsaved_report(agency: Agency) -> Report:
    return Report(
        originator_agency=agency,
        originator_country_id=agency.country_id,
        state=ReportState.DRAFT,
        **{k: v for k, v in _defaults().items() if k != "language"},
    )


@login_required
@require_GET
def new_report_audience(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The preview of a report not saved yet (htmx, as its release fields change)."""
    report = _unsaved_report(_writing_agency(request))
    context = {"preview": release_preview(report, request.GET)}
    return render(request, "sharing/_release_preview.html", context)


@login_required
@require_GET
def report_audience(request: AuthenticatedHttpRequest, report_uuid: Any) -> HttpResponse:
    """The preview of an existing report with the editor's unsaved values (htmx)."""
    report = changeable_report_or_404(request, report_uuid)
    context = {"preview": release_preview(report, request.GET)}
    return render(request, "sharing/_release_preview.html", context)


@login_required
@require_POST
def body_preview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The body as the report page will show it (htmx; POST, as a body may be long)."""
    body = request.POST.get("body", "")[:100_000]
    return render(request, "sharing/_body_preview.html", {"body_html": render_markdown(body)})


# --------------------------------------------------------------------------------------------
# Writing and editing


def _render_editor(
    request: AuthenticatedHttpRequest,
    form: ReportForm,
    indicators: Any,
    *,
    report: Report | None,
    preview: dict[str, Any],
) -> HttpResponse:
    context = {
        "form": form,
        "indicators": indicators,
        "report": report,
        "existing_indicators": list(report.indicators.all()) if report else [],
        "existing_attachments": list(report.attachments.all()) if report else [],
        "tlp_options": [(radio, TLP_MEANINGS[int(radio.data["value"])]) for radio in form["tlp"]],
        "recipient_groups": form.recipients_by_country(),
        "preview": preview,
        "files_dropped": bool(request.FILES) and not form.is_valid(),
    }
    return render(request, "sharing/report_form.html", context)


def _saved_message(report: Report, *, published: bool, files: int) -> str:
    if published:
        text = gettext("Report published: its recipients see it now.")
    elif report.state == ReportState.PUBLISHED:
        text = gettext("Saved as version %(version)d: its recipients see the new version now.") % {
            "version": report.version
        }
    else:
        text = gettext("Draft saved. Only your agency sees it until it is published.")
    if files:
        text += " " + ngettext(
            "%(count)d attachment added.", "%(count)d attachments added.", files
        ) % {"count": files}
    return text


@login_required
def report_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    agency = _writing_agency(request)
    if request.method != "POST":
        form = ReportForm(initial=_defaults())
        indicators = IndicatorFormSet(prefix=INDICATORS)
        preview = release_preview(_unsaved_report(agency))
        return _render_editor(request, form, indicators, report=None, preview=preview)

    form = ReportForm(request.POST, request.FILES)
    indicators = IndicatorFormSet(request.POST, prefix=INDICATORS)
    # The "Publish" button; the first button of the form (Enter) saves a draft.
    publish = "publish" in request.POST
    if form.is_valid() and indicators.is_valid():
        data, context = form.cleaned_data, request_context(request)
        try:
            with transaction.atomic():
                report = services.create_report(
                    actor=request.user,
                    fields={name: data[name] for name in EDITABLE_FIELDS},
                    rel_to=data["rel_to"],
                    recipients=data["recipients"],
                    indicators=indicators.indicators(),
                    context=context,
                )
                # Before the files: a refusal to publish then leaves no file behind.
                if publish:
                    services.publish_report(report, actor=request.user, context=context)
                for upload in data["attachments"]:
                    services.add_attachment(report, upload, actor=request.user, context=context)
        except ValidationError as refused:
            field_errors_from(form, refused, list(form.fields))
        else:
            report.refresh_from_db()
            files = len(data["attachments"])
            messages.success(request, _saved_message(report, published=publish, files=files))
            if publish:
                return redirect("report-detail", report.uuid)
            return redirect("report-edit", report.uuid)
    preview = release_preview(_unsaved_report(agency), request.POST)
    return _render_editor(request, form, indicators, report=None, preview=preview)


@login_required
def report_edit(request: AuthenticatedHttpRequest, report_uuid: Any) -> HttpResponse:
    report = changeable_report_or_404(request, report_uuid)
    if report.state == ReportState.RETRACTED:
        messages.info(request, gettext("A retracted report cannot be edited."))
        return redirect("report-detail", report.uuid)
    existing = list(report.indicators.values_list("type", "value"))
    initial = ReportForm.initial_of(report)
    if request.method != "POST":
        form = ReportForm(initial=initial)
        indicators = IndicatorFormSet(prefix=INDICATORS, existing=existing)
        return _render_editor(
            request, form, indicators, report=report, preview=release_preview(report)
        )

    form = ReportForm(request.POST, request.FILES, initial=initial)
    indicators = IndicatorFormSet(request.POST, prefix=INDICATORS, existing=existing)
    publish = "publish" in request.POST and report.state == ReportState.DRAFT
    if form.is_valid() and indicators.is_valid():
        data, context = form.cleaned_data, request_context(request)
        changed = [name for name in form.changed_data if name in EDITABLE_FIELDS]
        rel_to = data["rel_to"] if "rel_to" in form.changed_data else None
        recipients = data["recipients"] if "recipients" in form.changed_data else None
        new_indicators = indicators.indicators()
        edits = bool(changed or new_indicators) or rel_to is not None or recipients is not None
        if not (edits or publish or data["attachments"]):
            messages.info(request, gettext("Nothing changed."))
            return redirect(
                "report-edit" if report.state == ReportState.DRAFT else "report-detail", report.uuid
            )
        try:
            with transaction.atomic():
                if edits:
                    services.edit_report(
                        report,
                        actor=request.user,
                        changes={name: data[name] for name in changed},
                        rel_to=rel_to,
                        recipients=recipients,
                        indicators=new_indicators,
                        change_note=data["change_note"],
                        context=context,
                    )
                if publish:
                    services.publish_report(report, actor=request.user, context=context)
                for upload in data["attachments"]:
                    services.add_attachment(report, upload, actor=request.user, context=context)
        except ValidationError as refused:
            field_errors_from(form, refused, list(form.fields))
        else:
            report.refresh_from_db()
            files = len(data["attachments"])
            messages.success(request, _saved_message(report, published=publish, files=files))
            if report.state == ReportState.DRAFT:
                return redirect("report-edit", report.uuid)
            return redirect("report-detail", report.uuid)
    preview = release_preview(report, request.POST)
    return _render_editor(request, form, indicators, report=report, preview=preview)


# --------------------------------------------------------------------------------------------
# Publishing and retraction, each behind a page that says what will happen


@login_required
def report_publish(request: AuthenticatedHttpRequest, report_uuid: Any) -> HttpResponse:
    report = changeable_report_or_404(request, report_uuid)
    if report.state != ReportState.DRAFT:
        messages.info(request, gettext("This report is not a draft: it was published already."))
        return redirect("report-detail", report.uuid)
    problems: list[str] = []
    if request.method == "POST":
        try:
            services.publish_report(report, actor=request.user, context=request_context(request))
        except ValidationError as refused:
            problems = [str(m) for m in refused.messages]
        else:
            messages.success(request, gettext("Report published: its recipients see it now."))
            return redirect("report-detail", report.uuid)
    context = {"report": report, "preview": release_preview(report), "problems": problems}
    return render(request, "sharing/report_publish.html", context, status=400 if problems else 200)


@login_required
def report_retract(request: AuthenticatedHttpRequest, report_uuid: Any) -> HttpResponse:
    report = changeable_report_or_404(request, report_uuid)
    if report.state != ReportState.PUBLISHED:
        messages.info(request, gettext("Only a published report can be retracted."))
        return redirect("report-detail", report.uuid)
    form = RetractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.retract_report(
                report,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                context=request_context(request),
            )
        except ValidationError as refused:
            field_errors_from(form, refused, ["reason"])
        else:
            messages.success(
                request, gettext("Report retracted: only your agency sees it from now on.")
            )
            return redirect("report-detail", report.uuid)
    return render(request, "sharing/report_retract.html", {"report": report, "form": form})
