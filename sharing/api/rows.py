"""Reports as JSON-ready dicts, built from `.values()` rows: the list's hot path.

A page of 500 reports costs its own query plus three (indicators, REL TO, named recipients),
and no model instance or DRF field per report. `sharing.api.serializers.ReportOut` describes
the same shape for the OpenAPI document; tests hold the two together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from agencies.models import Agency, Country
from sharing.models import Agreement, Dissemination, Indicator, Priority, Report, Tlp

# Names partners write and read, for the integer codes stored.
TLP_NAMES: dict[int, str] = {
    Tlp.CLEAR: "clear",
    Tlp.GREEN: "green",
    Tlp.AMBER: "amber",
    Tlp.AMBER_STRICT: "amber+strict",
    Tlp.RED: "red",
}
PRIORITY_NAMES: dict[int, str] = {
    Priority.ROUTINE: "routine",
    Priority.PRIORITY: "priority",
    Priority.URGENT: "urgent",
    Priority.FLASH: "flash",
}

REPORT_FIELDS = (
    "uuid",
    "title",
    "summary",
    "body",
    "category__code",
    "tlp",
    "handling_code",
    "source_reliability",
    "information_credibility",
    "priority",
    "occurred_at",
    "latitude",
    "longitude",
    "place",
    "border_sector",
    "language",
    "originator_agency__code",
    "originator_country__code",
    "state",
    "version",
    "created_at",
    "modified_at",
    "published_at",
    "retracted_at",
    "retraction_reason",
)


def _by_report(pairs: Iterable[tuple[int, Any]]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for report_id, item in pairs:
        grouped[report_id].append(item)
    return grouped


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def report_dicts(rows: list[dict[str, Any]], *, base_url: str) -> list[dict[str, Any]]:
    """The API representation of each row (fetched with REPORT_FIELDS and `id`), in order.

    `base_url` is the absolute URL of the report collection, ending with a slash.
    """
    ids = [row["id"] for row in rows]
    indicators: dict[int, list[Any]] = {}
    rel_to: dict[int, list[Any]] = {}
    recipients: dict[int, list[Any]] = {}
    if ids:
        indicators = _by_report(
            (report_id, {"type": kind, "value": value})
            for report_id, kind, value in Indicator.objects.filter(report_id__in=ids)
            .order_by("report_id", "type", "normalized")
            .values_list("report_id", "type", "value")
        )
        rel_to = _by_report(
            Report.rel_to.through._default_manager.filter(report_id__in=ids)
            .order_by("country__code")
            .values_list("report_id", "country__code")
        )
        recipients = _by_report(
            Report.recipients.through._default_manager.filter(report_id__in=ids)
            .order_by("agency__code")
            .values_list("report_id", "agency__code")
        )
    return [
        {
            "id": row["uuid"],
            "url": f"{base_url}{row['uuid']}/",
            "title": row["title"],
            "summary": row["summary"],
            "body": row["body"],
            "category": row["category__code"],
            "tlp": TLP_NAMES[row["tlp"]],
            "handling_code": row["handling_code"],
            "source_reliability": row["source_reliability"],
            "information_credibility": row["information_credibility"],
            "priority": PRIORITY_NAMES[row["priority"]],
            "occurred_at": row["occurred_at"],
            "latitude": _float(row["latitude"]),
            "longitude": _float(row["longitude"]),
            "place": row["place"],
            "border_sector": row["border_sector"],
            "language": row["language"],
            "originator": {
                "agency": row["originator_agency__code"],
                "country": row["originator_country__code"],
            },
            "rel_to": rel_to.get(row["id"], []),
            "recipients": recipients.get(row["id"], []),
            "indicators": indicators.get(row["id"], []),
            "state": row["state"],
            "version": row["version"],
            "created_at": row["created_at"],
            "modified_at": row["modified_at"],
            "published_at": row["published_at"],
            "retracted_at": row["retracted_at"],
            "retraction_reason": row["retraction_reason"],
        }
        for row in rows
    ]


def audience(report: Report) -> list[dict[str, Any]]:
    """Who may see the report now, and on what basis: its live Dissemination rows."""
    rows = (
        Dissemination.objects.filter(report=report, revoked_at__isnull=True)
        .order_by("id")
        .values_list(
            "recipient_country__code", "recipient_agency__code", "basis", "agreement__reference"
        )
    )
    return [
        {"country": country, "agency": agency, "basis": basis, "agreement": agreement}
        for country, agency, basis, agreement in rows
    ]


def audience_of(recipients: Iterable[Any]) -> list[dict[str, Any]]:
    """A computed audience (`sharing.access.Recipient`s, e.g. a preview) in the same shape."""
    recipients = sorted(recipients)
    countries = dict(
        Country.objects.filter(id__in={r.country_id for r in recipients}).values_list("id", "code")
    )
    agencies = dict(
        Agency.objects.filter(id__in={r.agency_id for r in recipients}).values_list("id", "code")
    )
    agreements = dict(
        Agreement.objects.filter(id__in={r.agreement_id for r in recipients}).values_list(
            "id", "reference"
        )
    )
    return [
        {
            "country": countries.get(r.country_id),
            "agency": agencies.get(r.agency_id),
            "basis": str(r.basis),
            "agreement": agreements.get(r.agreement_id),
        }
        for r in recipients
    ]
