"""Correlation: the other reports a principal may see that share a normalised indicator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from sharing.models import Indicator, Report
from sharing.models.reports import ReportQuerySet
from sharing.search.common import StopList

# Reports listed under each indicator on the report page; the rest behind "show all".
SHOWN_PER_INDICATOR = 5


@dataclass
class Correlation:
    indicator: Indicator
    # Visible published reports (other than the one on the page) carrying the same value.
    count: int = 0
    reports: list[dict[str, Any]] = field(default_factory=list)
    common: bool = False  # on the stop-list: not looked up at all
    very_common: bool = False  # on more reports than CORRELATION_VERY_COMMON: not listed


def sharing_values(report: Report, indicators: list[Indicator], principal: Any) -> ReportQuerySet:
    """The visible published reports other than `report` carrying any of `indicators`' values."""
    condition = Q()
    for indicator in indicators:
        condition |= Q(type=indicator.type, normalized=indicator.normalized)
    if not condition:
        return Report.objects.none()
    carrying = Indicator.objects.filter(condition)
    return (
        Report.objects.visible_to(principal)
        .published()
        .exclude(pk=report.pk)
        .filter(pk__in=carrying.values("report_id"))
    )


def uncommon(indicators: list[Indicator]) -> list[Indicator]:
    """The indicators whose values are not on the stop-list."""
    stop = StopList.load()
    return [i for i in indicators if not stop.covers(i.type, i.value, i.normalized)]


def correlate(report: Report, principal: Any) -> list[Correlation]:
    """Each indicator of `report` with the visible reports sharing it, newest first.

    One query for every indicator: counts and the newest few per value by window functions,
    inside the principal's visibility, so a count never includes a report it may not see.
    """
    stop = StopList.load()
    groups = [Correlation(indicator) for indicator in report.indicators.all()]
    looked_up = []
    for group in groups:
        group.common = stop.covers(
            group.indicator.type, group.indicator.value, group.indicator.normalized
        )
        if not group.common:
            looked_up.append(group)
    if not looked_up:
        return groups
    condition = Q()
    for group in looked_up:
        condition |= Q(type=group.indicator.type, normalized=group.indicator.normalized)
    partition = [F("type"), F("normalized")]
    visible = Report.objects.visible_to(principal).published().exclude(pk=report.pk)
    rows = (
        Indicator.objects.filter(condition, report__in=visible.values("id"))
        .annotate(
            total=Window(Count("id"), partition_by=partition),
            position=Window(
                RowNumber(),
                partition_by=partition,
                order_by=[F("report__published_at").desc(), F("report_id").desc()],
            ),
        )
        .filter(position__lte=SHOWN_PER_INDICATOR)
        .values(
            "type",
            "normalized",
            "total",
            "report__uuid",
            "report__title",
            "report__tlp",
            "report__published_at",
            "report__originator_agency__name",
        )
        .order_by("type", "normalized", "position")
    )
    by_value = {(g.indicator.type, g.indicator.normalized): g for g in looked_up}
    very_common = settings.CORRELATION_VERY_COMMON
    for row in rows:
        group = by_value[(row["type"], row["normalized"])]
        group.count = row["total"]
        group.very_common = group.count > very_common
        if not group.very_common:
            group.reports.append(
                {
                    "uuid": row["report__uuid"],
                    "title": row["report__title"],
                    "tlp": row["report__tlp"],
                    "published_at": row["report__published_at"],
                    "originator": row["report__originator_agency__name"],
                }
            )
    return groups
