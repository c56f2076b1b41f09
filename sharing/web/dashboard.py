"""The dashboard at /: the newest reports, trends, a map and the agreements of my country."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext

from agencies.models import User
from portal.typing import AuthenticatedHttpRequest
from sharing import audit
from sharing.access import category_counts, resolve
from sharing.models import Agreement, AuditAction, Category, Report, ReportFilters
from sharing.web.context import request_context
from sharing.web.maps import map_point

NEWEST = 10
MAP_POINTS = 200
TREND_DAYS = 90


def _counts_key(user: User, since: dt.date) -> str:
    """Per principal, as resolved now: a suspension or a new agreement changes the key at once."""
    principal = resolve(user)
    parts = (
        principal.agency_id,
        principal.group_ids,
        principal.agreement_ids,
        principal.pending_agreement_ids,
        since.isoformat(),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"dashboard:counts:{digest}"


def trend(user: User) -> list[dict[str, Any]]:
    """Published reports the user may see from the last TREND_DAYS days, by category.

    Cached per principal for DASHBOARD_CACHE_SECONDS: counts only (no report content), keyed by
    the principal's resolved groups and agreements, so nobody ever reads another principal's
    counts and a change of access is a new key.
    """
    since = timezone.localdate() - dt.timedelta(days=TREND_DAYS)
    key = _counts_key(user, since)
    counts: dict[int, int] | None = cache.get(key)
    if counts is None:
        start = dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC)
        counts = category_counts(user, start)
        cache.set(key, counts, settings.DASHBOARD_CACHE_SECONDS)
    return [
        {
            "code": category.code,
            "label": gettext(category.name),
            "count": counts.get(category.pk, 0),
        }
        for category in Category.objects.all()
    ]


def map_points(user: User) -> list[dict[str, Any]]:
    """The newest reports the user may see that have a location, for the map."""
    located = Report.objects.filtered_newest_visible(
        user, ReportFilters(located=True), MAP_POINTS, scan=MAP_POINTS
    )
    rows = located.values_list("uuid", "title", "latitude", "longitude", "tlp", "place")
    return [
        map_point(uuid=uuid, title=title, latitude=lat, longitude=lon, tlp=tlp, place=place)
        for uuid, title, lat, lon, tlp, place in rows
        if lat is not None and lon is not None
    ]


def agreements_of(user: User) -> list[Agreement]:
    agency = user.agency
    if agency is None:
        return []
    return list(
        Agreement.objects.filter(parties=agency.country_id)
        .prefetch_related("parties", "categories")
        .order_by("state", "title")
    )


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    newest = Report.objects.newest_visible(user, NEWEST)
    latest = list(newest.select_related("category", "originator_agency__country"))
    points = map_points(user)
    audit.record(
        user,
        AuditAction.REPORT_LISTED,
        context=request_context(request),
        details={"page": "home", "count": len(latest), "map": len(points)},
    )
    context = {
        "latest": latest,
        "trend": trend(user),
        "trend_days": TREND_DAYS,
        "points": points,
        "agreements": agreements_of(user),
    }
    return render(request, "sharing/dashboard.html", context)
