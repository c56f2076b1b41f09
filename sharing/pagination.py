"""Keyset pagination with opaque cursors: no OFFSET and no COUNT(*) over large visible sets."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from sharing.models.reports import ReportQuerySet


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
    items: list
    next_cursor: str | None


def newest_first(queryset: ReportQuerySet, cursor: str | None, size: int) -> Page:
    """Reports by (published_at, id) descending, `size` per page, after `cursor`."""
    queryset = queryset.order_by("-published_at", "-id")
    if cursor:
        when, pk = decode_cursor(cursor)
        queryset = queryset.filter(Q(published_at__lt=when) | Q(published_at=when, id__lt=pk))
    rows = list(queryset[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if rows else None
    next_cursor = (
        encode_cursor(last.published_at, last.pk) if more and last and last.published_at else None
    )
    return Page(items=rows, next_cursor=next_cursor)
