"""The OpenAPI 3.1 document: operations, both key schemes, examples and problem responses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from sharing.api.auth import GuardedMixin
from sharing.api.serializers import (
    AgreementListOut,
    ExplanationOut,
    FeedPageOut,
    FeedQuery,
    ProblemOut,
    ReportChange,
    ReportCreate,
    ReportListQuery,
    ReportOut,
    ReportPageOut,
    Retraction,
    WrittenReportOut,
)

PROBLEM_JSON = "application/problem+json"
TAG = "reports"

F = TypeVar("F", bound=Callable[..., Any])


class APIKeyScheme(OpenApiAuthenticationExtension):
    """One key, two ways to send it: `Api-Key <key>` or `Bearer <key>`, either will do."""

    target_class = "sharing.api.auth.APIKeyAuthentication"
    name = ["ApiKeyAuth", "BearerAuth"]

    def get_security_requirement(self, auto_schema: AutoSchema) -> list[dict[str, list[Any]]]:
        return [{"ApiKeyAuth": []}, {"BearerAuth": []}]

    def get_security_definition(self, auto_schema: AutoSchema) -> list[dict[str, Any]]:
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": (
                    "`Authorization: Api-Key <key>`, with the key `manage.py create_api_key`"
                    " printed. Never in the query string."
                ),
            },
            {
                "type": "http",
                "scheme": "bearer",
                "description": "The same key as a bearer token: `Authorization: Bearer <key>`.",
            },
        ]


class SessionCookieScheme(SessionScheme):
    """A signed-in browser session; writes also need the CSRF token in X-CSRFToken."""

    target_class = "sharing.api.auth.SessionAuthentication"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": (
                "The portal's session cookie, for signed-in users (e.g. this page's Try it"
                " out); writes also need the CSRF token in the X-CSRFToken header."
            ),
        }


_DESCRIPTIONS = {
    400: "Invalid parameters or body; `errors` names each one.",
    401: "No key, or a malformed, unknown, expired or revoked key (see WWW-Authenticate).",
    403: "Authenticated, but not allowed: a read key writing, not the originator, no CSRF token.",
    404: "No such report, or one the caller may not see: the two are indistinguishable.",
    413: "The body is larger than API_MAX_BODY_BYTES.",
    410: "The feed cursor has expired: sync again from the start.",
    415: "The body is not JSON.",
    429: "Too many requests for this key; retry after Retry-After seconds.",
}

_EXAMPLES = {
    400: {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "Some query parameters are not valid.",
        "instance": "/api/v1/reports/",
        "errors": [{"detail": '"purple" is not a valid choice.', "parameter": "tlp"}],
    },
    401: {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "The API key has expired.",
        "instance": "/api/v1/reports/",
    },
    404: {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "There is no such report.",
        "instance": "/api/v1/reports/2f1c8e9a-8f0e-4a57-b7a4-7d0c3c4f1e2a/",
    },
    429: {
        "type": "about:blank",
        "title": "Too Many Requests",
        "status": 429,
        "detail": "Request was throttled. Expected available in 12 seconds.",
        "instance": "/api/v1/reports/",
    },
}


def _problems(*statuses: int) -> dict[Any, OpenApiResponse]:
    return {
        (status, PROBLEM_JSON): OpenApiResponse(
            ProblemOut,
            description=_DESCRIPTIONS[status],
            examples=[
                OpenApiExample(
                    f"problem {status}",
                    value=_EXAMPLES[status],
                    response_only=True,
                    status_codes=[str(status)],
                    media_type=PROBLEM_JSON,
                )
            ]
            if status in _EXAMPLES
            else [],
        )
        for status in statuses
    }


_READ_ERRORS = (401, 404, 429)
_WRITE_ERRORS = (400, 401, 403, 404, 413, 415, 429)

_HEADERS = [
    OpenApiParameter(
        "WWW-Authenticate",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[401],
        description="The schemes accepted: Api-Key and Bearer.",
    ),
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[429],
        description="Seconds until this key may call again.",
    ),
]

_REPORT_EXAMPLE = {
    "id": "2f1c8e9a-8f0e-4a57-b7a4-7d0c3c4f1e2a",
    "url": "https://bix.example.org/api/v1/reports/2f1c8e9a-8f0e-4a57-b7a4-7d0c3c4f1e2a/",
    "title": "Cocaine in banana containers",
    "summary": "Two containers flagged at the port of Guayaquil.",
    "body": "Shipping line and consignee below.",
    "category": "drug-trafficking",
    "tlp": "amber",
    "handling_code": "H1",
    "source_reliability": "B",
    "information_credibility": 2,
    "priority": "urgent",
    "occurred_at": "2026-03-02T06:30:00+00:00",
    "latitude": -2.19616,
    "longitude": -79.88621,
    "place": "Guayaquil",
    "border_sector": "Port of Guayaquil",
    "language": "es",
    "originator": {"agency": "co-policia", "country": "CO"},
    "rel_to": ["EC"],
    "recipients": [],
    "indicators": [{"type": "vessel_imo", "value": "IMO 9321483"}],
    "state": "published",
    "version": 1,
    "created_at": "2026-03-02T08:01:12+00:00",
    "modified_at": "2026-03-02T08:05:40+00:00",
    "published_at": "2026-03-02T08:05:40+00:00",
    "retracted_at": None,
    "retraction_reason": "",
}

_AUDIENCE_EXAMPLE = [
    {"country": None, "agency": "co-policia", "basis": "originator", "agreement": None},
    {"country": "CO", "agency": None, "basis": "originator_country", "agreement": None},
    {"country": "EC", "agency": None, "basis": "agreement", "agreement": "BIX-MOU/CO-EC/2023/014"},
]


def _report_param() -> OpenApiParameter:
    return OpenApiParameter(
        "report_uuid", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The report's id."
    )


list_reports = extend_schema(
    operation_id="reports_list",
    tags=[TAG],
    summary="Published reports the caller may see, newest first",
    description=("Keyset-paginated: follow `next` until it is null. Filters combine with AND."),
    parameters=[ReportListQuery, *_HEADERS],
    responses={
        200: OpenApiResponse(
            ReportPageOut,
            examples=[
                OpenApiExample(
                    "a page",
                    value={
                        "results": [_REPORT_EXAMPLE],
                        "next": "https://bix.example.org/api/v1/reports/?cursor=WyIyMDI2LTAz…",
                    },
                    response_only=True,
                )
            ],
        ),
        **_problems(400, 401, 429),
    },
)

read_feed = extend_schema(
    operation_id="feed_read",
    tags=["feed"],
    summary="Everything that changed for the caller since a cursor",
    description=(
        "Without `cursor`: every published report the caller may see, each once. With the"
        " `cursor` of the previous answer: what changed since, in change order: reports as"
        " they are now (new, edited, newly shared) and tombstones for reports retracted or"
        " no longer visible to the caller. Follow `next` while it is not null; then keep"
        " `cursor` and poll with it. Cursors are signed for the key that read them and stay"
        " valid for FEED_CURSOR_MAX_AGE_DAYS (90 days unless configured, never fewer than 30)."
    ),
    parameters=[FeedQuery, *_HEADERS],
    responses={
        200: OpenApiResponse(
            FeedPageOut,
            examples=[
                OpenApiExample(
                    "a page",
                    value={
                        "results": [
                            _REPORT_EXAMPLE,
                            {
                                "id": "7d3e0c52-51a4-4e1b-9a0b-8c1f0f6f2a11",
                                "deleted": True,
                                "reason": "access_revoked",
                                "at": "2026-03-04T10:00:00+00:00",
                            },
                        ],
                        "next": "https://bix.example.org/api/v1/feed/?cursor=WzEyMzQ1LDY3…",
                        "cursor": "WzEyMzQ1LDY3…",
                    },
                    response_only=True,
                )
            ],
        ),
        **_problems(400, 401, 410, 429),
    },
)

create_report = extend_schema(
    operation_id="reports_create",
    tags=[TAG],
    summary="Create a report as a draft, or publish it at once",
    description=(
        "Needs a write key. The report belongs to the key's agency. With `publish: true` it"
        " is disseminated to its audience in the same transaction; the answer lists who may"
        " see it and why."
    ),
    request=ReportCreate,
    parameters=[*_HEADERS],
    examples=[
        OpenApiExample(
            "publish a report",
            value={
                "title": "Cocaine in banana containers",
                "category": "drug-trafficking",
                "tlp": "amber",
                "priority": "urgent",
                "rel_to": ["EC"],
                "indicators": [{"type": "vessel_imo", "value": "IMO 9321483"}],
                "publish": True,
            },
            request_only=True,
        )
    ],
    responses={
        201: OpenApiResponse(
            WrittenReportOut,
            examples=[
                OpenApiExample(
                    "published",
                    value={
                        **_REPORT_EXAMPLE,
                        "audience": _AUDIENCE_EXAMPLE,
                        "audience_if_published": None,
                    },
                    response_only=True,
                    status_codes=["201"],
                )
            ],
        ),
        **_problems(*(s for s in _WRITE_ERRORS if s != 404)),
    },
)

read_report = extend_schema(
    operation_id="reports_read",
    tags=[TAG],
    summary="One report",
    parameters=[_report_param(), *_HEADERS],
    responses={
        200: OpenApiResponse(
            ReportOut, examples=[OpenApiExample("a report", value=_REPORT_EXAMPLE)]
        ),
        **_problems(*_READ_ERRORS),
    },
)

change_report = extend_schema(
    operation_id="reports_change",
    tags=[TAG],
    summary="Edit a report of the caller's agency (a new version once published)",
    parameters=[_report_param(), *_HEADERS],
    request=ReportChange,
    responses={200: WrittenReportOut, **_problems(*_WRITE_ERRORS)},
)

publish_report = extend_schema(
    operation_id="reports_publish",
    tags=[TAG],
    summary="Publish a draft of the caller's agency",
    parameters=[_report_param(), *_HEADERS],
    request=None,
    responses={200: WrittenReportOut, **_problems(400, 401, 403, 404, 413, 429)},
)

retract_report = extend_schema(
    operation_id="reports_retract",
    tags=[TAG],
    summary="Retract a published report of the caller's agency",
    description="Every recipient loses access at once; the reason is recorded.",
    parameters=[_report_param(), *_HEADERS],
    request=Retraction,
    examples=[
        OpenApiExample(
            "retract", value={"reason": "Source withdrew the information."}, request_only=True
        )
    ],
    responses={200: WrittenReportOut, **_problems(*_WRITE_ERRORS)},
)

explain_report = extend_schema(
    operation_id="reports_why",
    tags=[TAG],
    summary="Why the caller's agency can see the report",
    parameters=[_report_param(), *_HEADERS],
    responses={
        200: OpenApiResponse(
            ExplanationOut,
            examples=[
                OpenApiExample(
                    "shared under an agreement",
                    value={
                        "report": "2f1c8e9a-8f0e-4a57-b7a4-7d0c3c4f1e2a",
                        "agency": "ec-policia",
                        "visible": True,
                        "reasons": [
                            {
                                "granted": True,
                                "text": "shared with Ecuador (EC) under agreement"
                                " Colombia–Ecuador [BIX-MOU/CO-EC/2023/014]"
                                " (since 2026-03-02 08:05 UTC)",
                            }
                        ],
                    },
                )
            ],
        ),
        **_problems(*_READ_ERRORS),
    },
)

list_agreements = extend_schema(
    operation_id="agreements_list",
    tags=["agreements"],
    summary="Agreements the caller's country is party to, in force or not",
    description="Drafts still under negotiation are left out. One page.",
    parameters=[*_HEADERS],
    responses={
        200: OpenApiResponse(
            AgreementListOut,
            examples=[
                OpenApiExample(
                    "agreements",
                    value={
                        "results": [
                            {
                                "reference": "BIX-MOU/CO-EC/2023/014",
                                "title": "Colombia–Ecuador border cooperation",
                                "state": "active",
                                "in_force": True,
                                "parties": ["CO", "EC"],
                                "categories": ["arms-trafficking", "drug-trafficking"],
                                "max_tlp": "amber",
                                "valid_from": "2023-01-01",
                                "valid_until": None,
                            }
                        ],
                        "next": None,
                    },
                )
            ],
        ),
        **_problems(401, 429),
    },
)


class SchemaView(GuardedMixin, SpectacularAPIView):
    """GET /api/schema/: the OpenAPI document (YAML; JSON with ?format=json)."""


class DocsView(GuardedMixin, SpectacularSwaggerSplitView):
    """Swagger UI from static files, its script served apart (no inline script: the CSP)."""

    template_name = "sharing/api/docs.html"
    url_name = "api-schema"
