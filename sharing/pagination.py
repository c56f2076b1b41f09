"""Keyset pagination with opaque cursors: no OFFSET and no COUNT(*) over large visible sets."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from sharing.models.reports import Report, ReportQuerySet


class BadCursor(ValueError):
    pass


def encode_cursor(published_at: dt.datetime, pk: int) -> str:
    raw = f"{published_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|", 1)
        when = dt.datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            raise BadCursor("cursor timestamp has no time zone")
        return when, int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("invalid cursor") from exc


@dataclass
class Page:
    items: list[Report]
    next_cursor: str | None


def newest_first(
    queryset: ReportQuerySet, cursor: str | None, size: int, *, visible_to: Any = None
) -> Page:
    """Reports by (published_at, id) descending, `size` per page, after `cursor`.

    With `visible_to` (a user or partner system), the page holds the published reports that
    principal may see, read from its grants in list order (`ReportQuerySet.newest_visible`);
    without it, `queryset` must already be narrowed by `visible_to()`.
    """
    before = decode_cursor(cursor) if cursor else None
    if visible_to is not None:
        queryset = queryset.newest_visible(visible_to, size + 1, before)
    elif before is not None:
        when, pk = before
        queryset = queryset.filter(Q(published_at__lt=when) | Q(published_at=when, id__lt=pk))
    rows = list(queryset.order_by("-published_at", "-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if rows else None
    next_cursor = (
        encode_cursor(last.published_at, last.pk) if more and last and last.published_at else None
    )
    return Page(items=rows, next_cursor=next_cursor)
