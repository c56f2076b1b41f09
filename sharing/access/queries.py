"""The read side of need-to-know: the SQL behind `visible_to` and `newest_visible`.

Both start from the principal's resolved groups (`sharing.access.principals.resolve`), so a
suspension, a deactivation or a revoked key changes what they return on the next request.
While an agreement of the principal's country is pending (back in force, its rows still being
written: sharing.access.settlement), they add what the sharing rule itself gives under it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Count, F, Q, QuerySet
from django.db.models.expressions import Combinable, Expression, RawSQL
from django.db.models.sql.compiler import SQLCompiler

from sharing.access.principals import resolve
from sharing.access.qualifying import (
    QUALIFYING_POSITIONAL,
    Positional,
    positional,
    rule_params,
)
from sharing.models.dissemination import DisseminationBasis
from sharing.models.reports import ReportFilters, ReportGroupObjectPermission, ReportState

if TYPE_CHECKING:
    from sharing.models.reports import Report

# Bounds used when a page has no cursor: every published report sorts before them.
_NO_CURSOR: tuple[dt.datetime, int] = (dt.datetime.max.replace(tzinfo=dt.UTC), 2**63 - 1)

# The newest reports a principal may see, read in list order rather than by walking reports
# and probing grants (whose cost grows as the visible share shrinks): the newest grants of
# each of its own groups (index report_grant_newest) and the newest live agreement rows of
# its country under the agreements in force (index dissem_agreement_inbox: one walk however
# many agreements, where the agreement groups would need one each), merged. Those rows and
# the grants of the agreements' party groups are written and removed together.
_OWN_GROUPS_NEWEST = """
    SELECT g.content_object_id AS id, g.published_at
    FROM unnest({own_groups}::integer[]) AS own_group(id) CROSS JOIN LATERAL (
      SELECT content_object_id, published_at FROM sharing_reportgroupobjectpermission
      WHERE group_id = own_group.id AND permission_id = {permission} AND published_at IS NOT NULL
        AND published_at <= {at} AND (published_at < {at} OR content_object_id < {pk})
      ORDER BY published_at DESC, content_object_id DESC
      LIMIT {size}
    ) AS g
    UNION ALL
    (SELECT DISTINCT ON (published_at, report_id) report_id, published_at
     FROM sharing_dissemination
     WHERE recipient_country_id = {country} AND basis = {agreement_basis} AND revoked_at IS NULL
       AND agreement_id = ANY({agreements}::bigint[])
       AND published_at <= {at} AND (published_at < {at} OR report_id < {pk})
     ORDER BY published_at DESC, report_id DESC
     LIMIT {size})
"""
# While an agreement of the principal's country is pending (in force, its rows not all written),
# a third walk: what the rule gives the country under each pending agreement, newest first.
# The agreement is a constant inside the walk (LATERAL), so the planner reads
# report_newest_first and probes the agreement's few rows per report, stopping at `size`.
_PENDING_NEWEST = """
    UNION ALL
    (SELECT s.report_id, s.published_at
     FROM unnest({pending}::bigint[]) AS pending(id) CROSS JOIN LATERAL (
       SELECT q.report_id, q.published_at FROM ({qualifying}) AS q
       WHERE q.agreement_id = pending.id AND q.country_id = {pending_country}
         AND q.published_at <= {at} AND (q.published_at < {at} OR q.report_id < {pk})
       ORDER BY q.published_at DESC, q.report_id DESC
       LIMIT {size}
     ) AS s)
"""
_MERGE = """
SELECT t.id FROM (
  SELECT DISTINCT w.id, w.published_at FROM ({walks}) AS w
  ORDER BY w.published_at DESC, w.id DESC
  LIMIT {size}
) AS t
"""
# Two fixed statements: the pending walk costs planning time, so it is planned only while some
# agreement of the principal's country is pending.
_NEWEST = positional(_MERGE, walks=positional(_OWN_GROUPS_NEWEST))
_NEWEST_PENDING = positional(
    _MERGE,
    walks=positional(_OWN_GROUPS_NEWEST + _PENDING_NEWEST, qualifying=QUALIFYING_POSITIONAL),
)

# visible_to while an agreement of the principal's country is pending: a grant of its groups,
# or the rule sharing the report with its country under a pending agreement. Two shapes:
# - a query reading a page (sliced: a first page, a lookup) probes each report it reads.
#   OFFSET 0 keeps each EXISTS a probe: without it the planner turns both into hashed sets of
#   every matching report (2 s for BENCH/BIG's first page), as it cannot tell from a subplan
#   that a LIMIT reads only a few hundred reports;
# - a query reading everything (a count, an IN subquery) lets the planner hash them, where a
#   probe per report would cost tens of seconds at a million reports.
_VISIBLE_WHILE_PENDING = """(EXISTS (SELECT 1 FROM sharing_reportgroupobjectpermission AS g
         WHERE g.content_object_id = {report} AND g.permission_id = {permission}
           AND g.group_id = ANY({groups}::integer[]){fence})
     OR EXISTS (SELECT 1 FROM ({qualifying}) AS q
         WHERE q.report_id = {report} AND q.agreement_id = ANY({pending}::bigint[])
           AND q.country_id = {pending_country}{fence}))"""
_FENCE = {True: Positional(" OFFSET 0", ()), False: Positional("", ())}


@functools.cache
def _visible_while_pending(column: str, *, probe: bool) -> Positional:
    return positional(
        _VISIBLE_WHILE_PENDING,
        qualifying=QUALIFYING_POSITIONAL,
        report=Positional(column, ()),
        fence=_FENCE[probe],
    )


class _VisibleWhilePending(Expression):
    """The condition above on the query's report, for `values` (see visible_to)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__()
        self.values = values
        self.report: Any = F("id")

    def get_source_expressions(self) -> list[Any]:
        return [self.report]

    def set_source_expressions(self, exprs: Sequence[Combinable | Expression]) -> None:
        (self.report,) = exprs

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        # The report's column compiled here: right whatever alias the query gives the table
        # (visible_to also serves as a subquery, e.g. `report__in=visible`).
        column, column_params = compiler.compile(self.report)
        if column_params:
            raise ValueError("a report column takes no parameters")
        statement = _visible_while_pending(column, probe=compiler.query.is_sliced)
        return statement.text, tuple(statement.params(self.values))


def visible_to(reports: QuerySet[Report], subject: Any) -> QuerySet[Report]:
    """`reports` narrowed to those the subject may see (ReportQuerySet.visible_to)."""
    principal = resolve(subject)
    if not principal.group_ids or principal.view_permission_id is None:
        return reports.none()
    if principal.pending_agreement_ids:
        values = {
            **rule_params(),
            "permission": principal.view_permission_id,
            "groups": list(principal.group_ids),
            "pending": list(principal.pending_agreement_ids),
            "pending_country": principal.country_id,
        }
        return reports.filter(_VisibleWhilePending(values))
    grants = ReportGroupObjectPermission.objects.filter(
        permission_id=principal.view_permission_id, group_id__in=principal.group_ids
    ).values("content_object_id")
    return reports.filter(id__in=grants)


def newest_visible(
    reports: QuerySet[Report], subject: Any, size: int, before: tuple[dt.datetime, int] | None
) -> QuerySet[Report]:
    """The `size` newest published reports the subject may see (ReportQuerySet.newest_visible)."""
    principal = resolve(subject)
    if not principal.group_ids or principal.view_permission_id is None or size < 1:
        return reports.none()
    at, pk = before or _NO_CURSOR
    values = {
        "own_groups": list(principal.own_group_ids),
        "permission": principal.view_permission_id,
        "at": at,
        "pk": pk,
        "size": size,
        # No settled agreement in force: NULL matches no row, so that walk is skipped outright
        # (else it would pass over the rows of agreements suspended but not yet settled).
        "country": principal.country_id if principal.agreement_ids else None,
        "agreement_basis": DisseminationBasis.AGREEMENT.value,
        "agreements": list(principal.agreement_ids),
    }
    statement = _NEWEST
    if principal.pending_agreement_ids:
        statement = _NEWEST_PENDING
        values |= {
            **rule_params(),
            "pending": list(principal.pending_agreement_ids),
            "pending_country": principal.country_id,
        }
    newest = RawSQL(statement.text, statement.params(values))  # noqa: S611 - fixed SQL
    return reports.filter(id__in=newest).order_by("-published_at", "-id")


# A filtered list, first way: the walks of _OWN_GROUPS_NEWEST read in list order, but each
# stops after `scan` rows, and the filters are applied to what they read. Cheap when the filter
# matches often among what the principal sees (a priority, a language), and exact down to the
# newest point where a walk stopped short (`cut`): a walk that stopped there may hold older
# matches it did not read. Past that point the second way answers (filtered_newest_visible).
_FILTERED_SCAN = """
WITH scanned AS (
  SELECT own_group.id AS walk, g.id, g.published_at
  FROM unnest({own_groups}::integer[]) AS own_group(id) CROSS JOIN LATERAL (
    SELECT content_object_id AS id, published_at FROM sharing_reportgroupobjectpermission
    WHERE group_id = own_group.id AND permission_id = {permission} AND published_at IS NOT NULL
      AND published_at <= {at} AND (published_at < {at} OR content_object_id < {pk})
      AND published_at >= {since}
    ORDER BY published_at DESC, content_object_id DESC
    LIMIT {scan}
  ) AS g
  UNION ALL
  (SELECT 0, report_id, published_at FROM (
     SELECT DISTINCT ON (published_at, report_id) report_id, published_at
     FROM sharing_dissemination
     WHERE recipient_country_id = {country} AND basis = {agreement_basis} AND revoked_at IS NULL
       AND agreement_id = ANY({agreements}::bigint[])
       AND published_at <= {at} AND (published_at < {at} OR report_id < {pk})
       AND published_at >= {since}
     ORDER BY published_at DESC, report_id DESC
     LIMIT {scan}) AS d)
),
cut AS (
  SELECT max(oldest) AS at FROM (
    SELECT min(published_at) AS oldest FROM scanned GROUP BY walk HAVING count(*) >= {scan}
  ) AS short
)
SELECT (SELECT at FROM cut), ARRAY(
  SELECT m.id FROM (
    SELECT DISTINCT s.id, s.published_at FROM scanned AS s JOIN sharing_report AS r ON r.id = s.id
    WHERE s.published_at > coalesce((SELECT at FROM cut), '-infinity'::timestamptz){conditions}
  ) AS m
  ORDER BY m.published_at DESC, m.id DESC
  LIMIT {size})
"""
# Each filter on the report's own columns, as the scan's condition on r.
_REPORT_CONDITIONS = {
    "category": "r.category_id = {category}",
    "tlp": "r.tlp = {tlp}",
    "originator_country": "r.originator_country_id = {originator_country}",
    "priority": "r.priority = {priority}",
    "language": "r.language = {language}",
    "located": "r.latitude IS NOT NULL",
}
# Rows a walk reads per page asked for before the second way takes over.
SCAN_PER_ROW = 8
MIN_SCAN = 200


@functools.cache
def _filtered_scan(active: frozenset[str]) -> Positional:
    conditions = "".join(
        f" AND {condition}" for name, condition in _REPORT_CONDITIONS.items() if name in active
    )
    return positional(_FILTERED_SCAN, conditions=positional(conditions))


@dataclass(frozen=True)
class _Scan:
    ids: list[int]
    exact: bool  # the ids are the page: no walk stopped short above its last row


def _scan(
    principal: Any, filters: ReportFilters, size: int, at: dt.datetime, pk: int, scan: int
) -> _Scan:
    on_report = filters.on_report()
    values = {
        "own_groups": list(principal.own_group_ids),
        "permission": principal.view_permission_id,
        "at": at,
        "pk": pk,
        "since": filters.published_from or dt.datetime.min.replace(tzinfo=dt.UTC),
        "scan": scan,
        "size": size,
        "country": principal.country_id if principal.agreement_ids else None,
        "agreement_basis": DisseminationBasis.AGREEMENT.value,
        "agreements": list(principal.agreement_ids),
        **on_report,
    }
    statement = _filtered_scan(frozenset(on_report))
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params(values))
        cut, ids = cursor.fetchone()
    return _Scan(ids=ids, exact=cut is None or len(ids) == size)


def filtered_newest_visible(
    reports: QuerySet[Report],
    subject: Any,
    filters: ReportFilters,
    size: int,
    before: tuple[dt.datetime, int] | None,
    scan: int | None = None,
) -> QuerySet[Report]:
    """newest_visible narrowed by `filters`, in two ways, each best where the other is slow.

    First the principal's walks in list order, each reading a bounded number of rows and
    filtering them (a filter that matches often fills the page from the first rows). When a
    walk stopped short before the page was full, the reports matching the filters are walked
    in list order instead (an index per filter) and each probed against the principal's
    grants, as visible_to does (a rare filter, or one the principal's reports seldom match).
    While an agreement of the principal's country is pending, only the second way. `scan`:
    the rows each walk reads (by default SCAN_PER_ROW per row asked for, at least MIN_SCAN).
    """
    if not filters:
        return newest_visible(reports, subject, size, before)
    principal = resolve(subject)
    if not principal.group_ids or principal.view_permission_id is None or size < 1:
        return reports.none()
    at, pk = before or _NO_CURSOR
    if filters.published_until is not None and (filters.published_until, 0) < (at, pk):
        # Strictly before the end of the range: (until, 0) sorts after every report of it.
        at, pk = filters.published_until, 0
    if not principal.pending_agreement_ids:
        rows = scan if scan is not None else max(MIN_SCAN, SCAN_PER_ROW * size)
        scanned = _scan(principal, filters, size, at, pk, rows)
        if scanned.exact:
            return reports.filter(id__in=scanned.ids).order_by("-published_at", "-id")
    visible = filters.apply(visible_to(reports, subject).filter(state=ReportState.PUBLISHED))
    page = visible.filter(Q(published_at__lt=at) | Q(published_at=at, id__lt=pk)).order_by(
        "-published_at", "-id"
    )
    return reports.filter(id__in=page.values("id")[:size]).order_by("-published_at", "-id")


# Reports a principal may see, published since a date, by category: the ids come from the same
# walks as the list (index-only range scans of its own groups' grants and of its country's live
# agreement rows), the categories from an index-only range scan of the reports published since
# then (report_recent_category), joined by hash: both are materialised, so the planner cannot
# choose to probe each report by its key instead (it underestimates the ids by five times and
# did: 0.7-1.3 s at 50,000 reports).
_CATEGORY_COUNTS = """
WITH recent AS MATERIALIZED (
  SELECT id, category_id FROM sharing_report
  WHERE state = {published} AND published_at >= {since}
), visible AS MATERIALIZED (
  SELECT g.content_object_id AS id FROM unnest({own_groups}::integer[]) AS own_group(id)
  CROSS JOIN LATERAL (
    SELECT content_object_id FROM sharing_reportgroupobjectpermission
    WHERE group_id = own_group.id AND permission_id = {permission} AND published_at >= {since}
  ) AS g
  UNION ALL
  SELECT report_id FROM sharing_dissemination
  WHERE recipient_country_id = {country} AND basis = {agreement_basis} AND revoked_at IS NULL
    AND agreement_id = ANY({agreements}::bigint[]) AND published_at >= {since}
)
SELECT category_id, count(*) FROM recent WHERE id IN (SELECT id FROM visible)
GROUP BY category_id
"""
_CATEGORY_COUNTS_POSITIONAL = positional(_CATEGORY_COUNTS)


def category_counts(subject: Any, since: dt.datetime) -> dict[int, int]:
    """How many published reports the subject may see were published since `since`, by category.

    While an agreement of the principal's country is pending, counted over visible_to.
    """
    principal = resolve(subject)
    if not principal.group_ids or principal.view_permission_id is None:
        return {}
    if principal.pending_agreement_ids:
        from sharing.models.reports import Report

        visible = visible_to(Report.objects.all(), subject).filter(
            state=ReportState.PUBLISHED, published_at__gte=since
        )
        rows = visible.values_list("category_id").annotate(count=Count("id")).order_by()
        return dict(rows)
    values = {
        "published": ReportState.PUBLISHED.value,
        "since": since,
        "own_groups": list(principal.own_group_ids),
        "permission": principal.view_permission_id,
        "country": principal.country_id if principal.agreement_ids else None,
        "agreement_basis": DisseminationBasis.AGREEMENT.value,
        "agreements": list(principal.agreement_ids),
    }
    statement = _CATEGORY_COUNTS_POSITIONAL
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params(values))
        return dict(cursor.fetchall())
