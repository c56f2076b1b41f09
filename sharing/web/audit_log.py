"""The audit viewer: portal admins see every event, agency admins their agency's; CSV export.

Every look at the record is itself recorded (`audit.viewed`, `audit.exported`), and an
export asks for a justification like any other export. Events are paged newest first by
(occurred_at, id) with a signed cursor, never counted (the table holds months of events).
The originator agency's "who accessed this report" on the report page is `report_accesses`.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from agencies.models import Role
from agencies.roles import is_portal_admin
from portal.typing import AuthenticatedHttpRequest
from sharing import audit
from sharing.audit import chain
from sharing.models import AuditAction, AuditEvent, Report
from sharing.web.context import request_context
from sharing.web.export import _cell as safe_cell
from sharing.web.justification import JustificationField

PAGE_SIZE = 50
CURSOR_SALT = "sharing.web.audit_log"
# Consultations and disclosures of a report that its originator agency is shown.
ACCESS_ACTIONS = (
    AuditAction.REPORT_VIEWED,
    AuditAction.REPORT_SEARCHED,
    AuditAction.REPORT_LISTED,
    AuditAction.FEED_PULLED,
    AuditAction.TAXII_PULLED,
    AuditAction.EXPORTED,
    AuditAction.ATTACHMENT_DOWNLOADED,
    AuditAction.GRANTED,
    AuditAction.REVOKED,
    AuditAction.ALERT_DELIVERED,
    AuditAction.ACCESS_REQUESTED,
    AuditAction.ACCESS_APPROVED,
    AuditAction.ACCESS_REFUSED,
    AuditAction.ACCESS_DENIED,
)
CSV_COLUMNS = (
    "occurred_at",
    "seq",
    "action",
    "outcome",
    "actor_label",
    "agency",
    "country",
    "channel",
    "ip",
    "request_id",
    "object_type",
    "object_ids",
    "recipients",
    "justification",
    "details",
)


def _action_choices() -> list[tuple[str, Any]]:
    return [("", _("All actions")), *AuditAction.choices]


class AuditFilterForm(forms.Form):
    since = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    actor = forms.CharField(required=False, max_length=150, label=_("Actor"))
    agency = forms.CharField(required=False, max_length=40, label=_("Agency code"))
    country = forms.CharField(required=False, max_length=2, label=_("Country code"))
    action = forms.ChoiceField(required=False, label=_("Action"), choices=_action_choices)
    report = forms.UUIDField(required=False, label=_("Report id"))

    def __init__(self, *args: Any, scoped: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if scoped:  # an agency admin sees their agency only
            del self.fields["agency"]
            del self.fields["country"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date comes before the start date."))
        return cleaned

    def used(self) -> dict[str, str]:
        """The filters in use, as text (for the record and for links)."""
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "")}


def _scope(request: AuthenticatedHttpRequest) -> int | None:
    """None for a portal admin (everything); the agency id for an agency admin; else 404."""
    if is_portal_admin(request.user):
        return None
    membership = getattr(request.user, "membership", None)
    if membership is not None and membership.role == Role.AGENCY_ADMIN:
        return int(membership.agency_id)
    audit.record_denial(
        request.user,
        AuditAction.ACCESS_DENIED,
        context=request_context(request),
        details={"path": request.path, "reason": "not a portal or agency admin"},
    )
    raise Http404("No such page.")


def _events(form: AuditFilterForm, agency_id: int | None) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("agency", "country")
    if agency_id is not None:
        events = events.filter(agency_id=agency_id)
    data = form.cleaned_data
    if data.get("since"):
        start = dt.datetime.combine(data["since"], dt.time.min, tzinfo=dt.UTC)
        events = events.filter(occurred_at__gte=start)
    if data.get("until"):
        end = dt.datetime.combine(data["until"] + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
        events = events.filter(occurred_at__lt=end)
    if data.get("actor"):
        events = events.filter(actor_label__icontains=data["actor"])
    if data.get("agency"):
        events = events.filter(agency__code__iexact=data["agency"])
    if data.get("country"):
        events = events.filter(country__code__iexact=data["country"])
    if data.get("action"):
        events = events.filter(action=data["action"])
    if data.get("report"):
        events = events.filter(object_ids__contains=[str(data["report"])])
    return events.order_by("-occurred_at", "-id")


def _after(events: QuerySet[AuditEvent], cursor: str) -> QuerySet[AuditEvent]:
    at, event_id = signing.loads(cursor, salt=CURSOR_SALT)
    moment = dt.datetime.fromisoformat(at)
    return events.filter(Q(occurred_at__lt=moment) | Q(occurred_at=moment, id__lt=event_id))


def _cursor(event: AuditEvent) -> str:
    return signing.dumps([event.occurred_at.isoformat(), event.pk], salt=CURSOR_SALT)


@login_required
@require_http_methods(["GET"])
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    agency_id = _scope(request)
    # Always bound: no filter at all is a valid choice (everything, newest first).
    form = AuditFilterForm(request.GET, scoped=agency_id is not None)
    context: dict[str, Any] = {"form": form, "scoped": agency_id is not None}
    if not form.is_valid():
        context.update(events=[], export_form=ExportForm(), filters={})
        return render(request, "sharing/audit_log.html", context, status=400)
    events = _events(form, agency_id)
    cursor = request.GET.get("cursor", "")
    if cursor:
        try:
            events = _after(events, cursor)
        except (signing.BadSignature, ValueError, TypeError):
            context.update(
                error=_("That page link is not valid."),
                events=[],
                export_form=ExportForm(),
                filters={},
            )
            return render(request, "sharing/audit_log.html", context, status=400)
    page = list(events[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    filters = form.used()
    audit.record(
        request.user,
        AuditAction.AUDIT_VIEWED,
        context=request_context(request),
        details={"filters": filters, "count": len(page), "page": "next" if cursor else "first"},
    )
    query = request.GET.copy()
    query.pop("cursor", None)
    if more:
        query["cursor"] = _cursor(page[-1])
    context.update(
        events=page,
        next_query=query.urlencode() if more else "",
        filters=filters,
        export_form=ExportForm(),
        status=chain.status() if agency_id is None else None,
    )
    return render(request, "sharing/audit_log.html", context)


class ExportForm(forms.Form):
    justification = JustificationField(
        help_text=_("Recorded with your export in the audit record.")
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                safe_cell(value)
                for value in (
                    event.occurred_at.isoformat(),
                    event.seq,
                    event.action,
                    event.outcome,
                    event.actor_label,
                    event.agency.code if event.agency else "",
                    event.country.code if event.country else "",
                    event.channel,
                    event.ip,
                    event.request_id,
                    event.object_type,
                    " ".join(event.object_ids),
                    " ".join(event.recipients),
                    event.justification,
                    event.details,
                )
            ]
        )


@login_required
@require_http_methods(["POST"])
def audit_export(request: AuthenticatedHttpRequest) -> HttpResponse | StreamingHttpResponse:
    agency_id = _scope(request)
    form = AuditFilterForm(request.POST, scoped=agency_id is not None)
    export = ExportForm(request.POST)
    if not (form.is_valid() and export.is_valid()):
        context = {
            "form": form,
            "export_form": export,
            "scoped": agency_id is not None,
            "events": [],
            "export_refused": True,
            "filters": {k: v for k, v in request.POST.items() if k in form.fields and v},
        }
        return render(request, "sharing/audit_log.html", context, status=400)
    limit = settings.AUDIT_EXPORT_MAX_ROWS
    events = _events(form, agency_id)[:limit]
    audit.record(
        request.user,
        AuditAction.AUDIT_EXPORTED,
        context=request_context(request),
        justification=export.cleaned_data["justification"],
        details={"filters": form.used(), "limit": limit, "format": "csv"},
    )
    stamp = dt.datetime.now(tz=dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def report_accesses(report: Report, limit: int = 20) -> list[AuditEvent]:
    """The latest consultations and disclosures of `report` by other agencies (or partners)."""
    return list(
        AuditEvent.objects.select_related("agency", "country")
        .filter(object_type="sharing.report", object_ids__contains=[str(report.uuid)])
        .filter(action__in=ACCESS_ACTIONS)
        .exclude(agency_id=report.originator_agency_id)
        .order_by("-occurred_at", "-id")[:limit]
    )
