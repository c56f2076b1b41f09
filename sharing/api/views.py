"""REST API v1 views. Every report lookup starts at Report.objects.visible_to(caller)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import PartnerAPIKey
from sharing import audit, feeds, services
from sharing.access import explain_visibility, preview_audience
from sharing.api import schema
from sharing.api.accounting import Caller, api_context, caller, caller_agency, record_denial
from sharing.api.auth import GuardedMixin
from sharing.api.errors import CursorExpired, InvalidParameters
from sharing.api.rendering import JSONWhateverAccepted
from sharing.api.rows import REPORT_FIELDS, TLP_NAMES, audience, audience_of, report_dicts
from sharing.api.serializers import (
    FeedQuery,
    ReportChange,
    ReportCreate,
    ReportListQuery,
    Retraction,
)
from sharing.models import Agreement, AgreementState, AuditAction, Report, ReportState
from sharing.pagination import newest_first_rows
from sharing.search.query import matching
from sharing.services.reports import EDITABLE_FIELDS

# List filters: query parameter -> lookup on visible reports (values are validated first).
LIST_FILTERS = {
    "category": "category_id",
    "tlp": "tlp",
    "originator_country": "originator_country_id",
    "priority": "priority",
    "language": "language",
    "updated_since": "modified_at__gte",
}


class APIBase(GuardedMixin, APIView):
    content_negotiation_class = JSONWhateverAccepted


def _collection_url(request: Request) -> str:
    return request.build_absolute_uri("/api/v1/reports/")


def _no_such_report(request: Request, report_uuid: uuid.UUID, who: Caller) -> NotFound:
    """The 404 of a report the caller may not see, or that does not exist; audited."""
    record_denial(
        request,
        actor=who,
        status=404,
        reason="no such report",
        details={"report": str(report_uuid)},
    )
    return NotFound("There is no such report.")


def _report_for(request: Request, report_uuid: uuid.UUID, who: Caller) -> Report:
    """The report if the caller may see it; otherwise the same 404 as a missing one."""
    report = (
        Report.objects.visible_to(who)
        .select_related("category", "originator_country")
        .filter(uuid=report_uuid)
        .first()
    )
    if report is None:
        raise _no_such_report(request, report_uuid, who)
    return report


def _written(request: Request, report: Report, who: Caller) -> dict[str, Any]:
    """The report as it is after a write, with its audience (and a draft's would-be one)."""
    rows = list(Report.objects.visible_to(who).filter(pk=report.pk).values("id", *REPORT_FIELDS))
    (body,) = report_dicts(rows, base_url=_collection_url(request))
    report.refresh_from_db()
    body["audience"] = audience(report)
    body["audience_if_published"] = (
        audience_of(preview_audience(report)) if report.state == ReportState.DRAFT else None
    )
    return body


class ReportList(APIBase):
    @schema.list_reports
    def get(self, request: Request) -> Response:
        query = ReportListQuery(data=request.query_params)
        if not query.is_valid():
            raise InvalidParameters(query.errors)
        params = query.validated_data
        who = caller(request)
        filters = {lookup: params[name] for name, lookup in LIST_FILTERS.items() if name in params}
        text = " ".join(params.get("q", "").split())
        if filters or text:
            reports = Report.objects.visible_to(who).published().filter(**filters)
            if text:
                reports = matching(reports, text)
            page = newest_first_rows(
                reports, params.get("cursor"), params["page_size"], REPORT_FIELDS
            )
        else:
            # Unfiltered: read from the caller's grants in list order (no walk over reports).
            page = newest_first_rows(
                Report.objects.all(),
                params.get("cursor"),
                params["page_size"],
                REPORT_FIELDS,
                visible_to=who,
            )
        results = report_dicts(page.rows, base_url=_collection_url(request))
        audit.record(
            who,
            AuditAction.REPORT_LISTED,
            # Unsaved stand-ins: the audit names reports by public id and needs nothing else.
            [Report(id=row["id"], uuid=row["uuid"]) for row in page.rows],
            context=api_context(request),
            details={
                "count": len(results),
                "filters": {
                    name: request.query_params[name] for name in LIST_FILTERS if name in params
                },
                **({"query": text} if text else {}),
            },
        )
        next_url = None
        if page.next_cursor:
            following = request.query_params.copy()
            following["cursor"] = page.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{following.urlencode()}")
        return Response({"results": results, "next": next_url})

    @schema.create_report
    def post(self, request: Request) -> Response:
        form = ReportCreate(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        who = caller(request)
        context = api_context(request)
        with transaction.atomic():
            report = services.create_report(
                actor=who,
                fields={name: data[name] for name in EDITABLE_FIELDS if name in data},
                rel_to=data.get("rel_to", ()),
                recipients=data.get("recipients", ()),
                indicators=[(item["type"], item["value"]) for item in data.get("indicators", ())],
                context=context,
            )
            if data["publish"]:
                services.publish_report(report, actor=who, context=context)
        body = _written(request, report, who)
        return Response(body, status=201, headers={"Location": body["url"]})


def _cursor_holder(who: Caller) -> str:
    """Whom a feed cursor is signed for: the key itself, or the signed-in user."""
    return f"key:{who.pk}" if isinstance(who, PartnerAPIKey) else f"user:{who.pk}"


def _tombstone(uuid_: uuid.UUID, change: feeds.Change) -> dict[str, Any]:
    return {"id": uuid_, "deleted": True, "reason": change.deleted, "at": change.at}


class Feed(APIBase):
    @schema.read_feed
    def get(self, request: Request) -> Response:
        query = FeedQuery(data=request.query_params)
        if not query.is_valid():
            raise InvalidParameters(query.errors)
        params = query.validated_data
        who = caller(request)
        holder = _cursor_holder(who)
        after = None
        if "cursor" in params:
            try:
                after = feeds.decode(params["cursor"], holder)
            except feeds.ExpiredCursor as exc:
                raise CursorExpired() from exc
            except feeds.BadCursor as exc:
                raise InvalidParameters({"cursor": ["This is not a cursor of this feed."]}) from exc
        # One snapshot for the log and the reports it names, one audit event, one commit.
        with feeds.snapshot():
            page = feeds.read_changes(who, after, params["page_size"])
            ids = [change.report_id for change in page.changes]
            rows = {
                row["id"]: row
                for row in Report.objects.filter(id__in=ids).values("id", *REPORT_FIELDS)
            }
            current = [rows[c.report_id] for c in page.changes if c.deleted is None]
            bodies = iter(report_dicts(current, base_url=_collection_url(request)))
            results = [
                next(bodies) if c.deleted is None else _tombstone(rows[c.report_id]["uuid"], c)
                for c in page.changes
            ]
            audit.record(
                who,
                AuditAction.FEED_PULLED,
                [Report(id=row["id"], uuid=row["uuid"]) for row in current],
                context=api_context(request),
                details={
                    "count": len(current),
                    "tombstones": [
                        str(rows[c.report_id]["uuid"]) for c in page.changes if c.deleted
                    ],
                    "from_start": after is None,
                },
            )
        cursor = feeds.encode(page.position, holder)
        next_url = None
        if page.more:
            following = request.query_params.copy()
            following["cursor"] = cursor
            next_url = request.build_absolute_uri(f"{request.path}?{following.urlencode()}")
        headers = {"Retry-After": "5"} if page.waiting else None
        return Response({"results": results, "next": next_url, "cursor": cursor}, headers=headers)


class ReportDetail(APIBase):
    @schema.read_report
    def get(self, request: Request, report_uuid: uuid.UUID) -> Response:
        who = caller(request)
        rows = list(
            Report.objects.visible_to(who).filter(uuid=report_uuid).values("id", *REPORT_FIELDS)
        )
        if not rows:
            raise _no_such_report(request, report_uuid, who)
        (body,) = report_dicts(rows, base_url=_collection_url(request))
        audit.record(
            who,
            AuditAction.REPORT_VIEWED,
            [Report(id=rows[0]["id"], uuid=rows[0]["uuid"])],
            context=api_context(request),
        )
        return Response(body)

    @schema.change_report
    def patch(self, request: Request, report_uuid: uuid.UUID) -> Response:
        who = caller(request)
        report = _report_for(request, report_uuid, who)
        form = ReportChange(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        changes = {name: data[name] for name in EDITABLE_FIELDS if name in data}
        if not changes and "rel_to" not in data and "recipients" not in data:
            raise ValidationError("Nothing to change: send at least one field of the report.")
        services.edit_report(
            report,
            actor=who,
            changes=changes,
            rel_to=data.get("rel_to"),
            recipients=data.get("recipients"),
            change_note=data.get("change_note", ""),
            context=api_context(request),
        )
        return Response(_written(request, report, who))


class ReportPublish(APIBase):
    @schema.publish_report
    def post(self, request: Request, report_uuid: uuid.UUID) -> Response:
        who = caller(request)
        report = _report_for(request, report_uuid, who)
        services.publish_report(report, actor=who, context=api_context(request))
        return Response(_written(request, report, who))


class ReportRetract(APIBase):
    @schema.retract_report
    def post(self, request: Request, report_uuid: uuid.UUID) -> Response:
        who = caller(request)
        report = _report_for(request, report_uuid, who)
        form = Retraction(data=request.data)
        form.is_valid(raise_exception=True)
        services.retract_report(
            report, actor=who, reason=form.validated_data["reason"], context=api_context(request)
        )
        return Response(_written(request, report, who))


class ReportWhy(APIBase):
    @schema.explain_report
    def get(self, request: Request, report_uuid: uuid.UUID) -> Response:
        who = caller(request)
        report = _report_for(request, report_uuid, who)
        agency = caller_agency(who)
        if agency is None:  # a session without an agency sees no report: unreachable in practice
            raise NotFound("There is no such report.")
        explanation = explain_visibility(report, agency)
        audit.record(
            who,
            AuditAction.VISIBILITY_EXPLAINED,
            [report],
            context=api_context(request),
            details={"target": agency.code},
        )
        return Response(
            {
                "report": report.uuid,
                "agency": agency.code,
                "visible": explanation.visible,
                "reasons": [{"granted": r.granted, "text": r.text} for r in explanation.reasons],
            }
        )


class AgreementList(APIBase):
    @schema.list_agreements
    def get(self, request: Request) -> Response:
        agency = caller_agency(caller(request))
        if agency is None:
            return Response({"results": [], "next": None})
        agreements = (
            Agreement.objects.involving(agency.country_id)
            .exclude(state=AgreementState.DRAFT)  # drafts are still being negotiated
            .prefetch_related("parties", "categories")
            .order_by("reference")
        )
        today = timezone.localdate()
        results = [
            {
                "reference": a.reference,
                "title": a.title,
                "state": a.state,
                "in_force": a.enforced and a.is_in_force(today),
                "parties": sorted(c.code for c in a.parties.all()),
                "categories": sorted(c.code for c in a.categories.all()),
                "max_tlp": TLP_NAMES[a.max_tlp],
                "valid_from": a.valid_from,
                "valid_until": a.valid_until,
            }
            for a in agreements
        ]
        return Response({"results": results, "next": None})
