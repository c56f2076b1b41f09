"""Keyset pagination with opaque cursors: no OFFSET and no COUNT(*) over large visible sets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import Q

from sharing.models.reports import Report, ReportFilters, ReportQuerySet

# Signed so a cursor is only ever one this portal handed out: clients cannot craft positions,
# and the format can change without breaking a promise nobody was meant to rely on.
_CURSOR_SALT = "sharing.pagination.cursor"


class BadCursor(ValueError):
    pass


def encode_cursor(published_at: dt.datetime, pk: int) -> str:
    return signing.Signer(salt=_CURSOR_SALT).sign_object([published_at.isoformat(), pk])


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        stamp, pk = signing.Signer(salt=_CURSOR_SALT).unsign_object(cursor)
        when = dt.datetime.fromisoformat(stamp)
        if when.tzinfo is None or not isinstance(pk, int):
            raise BadCursor("invalid cursor")
        return when, pk
    except (signing.BadSignature, ValueError, TypeError, UnicodeError) as exc:
        raise BadCursor("invalid cursor") from exc


@dataclass
class Page:
    items: list[Report]
    next_cursor: str | None


@dataclass
class RowPage:
    """A page of `.values()` rows: for serialisers that never build model instances."""

    rows: list[dict[str, Any]]
    next_cursor: str | None


def _newest_first_queryset(
    queryset: ReportQuerySet,
    cursor: str | None,
    size: int,
    visible_to: Any,
    filters: ReportFilters | None = None,
) -> ReportQuerySet:
    before = decode_cursor(cursor) if cursor else None
    if visible_to is not None and filters:
        queryset = queryset.filtered_newest_visible(visible_to, filters, size + 1, before)
    elif visible_to is not None:
        queryset = queryset.newest_visible(visible_to, size + 1, before)
    elif before is not None:
        when, pk = before
        queryset = queryset.filter(Q(published_at__lt=when) | Q(published_at=when, id__lt=pk))
    return queryset.order_by("-published_at", "-id")


def newest_first(
    queryset: ReportQuerySet,
    cursor: str | None,
    size: int,
    *,
    visible_to: Any = None,
    filters: ReportFilters | None = None,
) -> Page:
    """Reports by (published_at, id) descending, `size` per page, after `cursor`.

    With `visible_to` (a user or partner system), the page holds the published reports that
    principal may see, read from its grants in list order (`ReportQuerySet.newest_visible`,
    or `filtered_newest_visible` with `filters`); without it, `queryset` must already be
    narrowed by `visible_to()`.
    """
    ordered = _newest_first_queryset(queryset, cursor, size, visible_to, filters)
    rows = list(ordered[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if rows else None
    next_cursor = (
        encode_cursor(last.published_at, last.pk) if more and last and last.published_at else None
    )
    return Page(items=rows, next_cursor=next_cursor)


def newest_first_rows(
    queryset: ReportQuerySet,
    cursor: str | None,
    size: int,
    fields: tuple[str, ...],
    *,
    visible_to: Any = None,
) -> RowPage:
    """As `newest_first`, as dicts of `fields` (plus `id` and `published_at`), in one query."""
    ordered = _newest_first_queryset(queryset, cursor, size, visible_to)
    rows = list(ordered.values("id", "published_at", *fields)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if rows else None
    next_cursor = (
        encode_cursor(last["published_at"], last["id"])
        if more and last and last["published_at"]
        else None
    )
    return RowPage(rows=rows, next_cursor=next_cursor)
