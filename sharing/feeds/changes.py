"""What changed for a principal since a position: the change log REST and TAXII feeds read.

There is no log table. The rows need-to-know already writes carry the transaction that wrote
them (sharing.models.positions): a grant carries the last change of its report or audience
(`feed_xid`), a Dissemination row its grant and its revocation (`granted_xid`,
`revoked_xid`). A principal's log is, in (transaction, report) order:

- a report, for each grant in the groups it resolves to (`sharing.access.resolve`) whose
  position is past the cursor: the report as it is now, once per report (at the latest
  position of its grants in those groups), or a tombstone `retracted` when the report was
  retracted (its originator keeps the grant);
- a tombstone, for each recorded revocation of a Dissemination row of its agency, its country
  or every agency past the cursor, unless another such row still covered the report then:
  `retracted` or `access_revoked`. Revocations are told when they were recorded (a
  suspension's rows are revoked by its settlement), never by the instant access ended, so a
  principal reading in between misses none.

Positions are transaction ids, not sequence values, and a read stops below the oldest
transaction of this database still in flight (`_BOUND`): a transaction that commits late
cannot land behind a cursor already handed out. While an agreement of the principal's country
is pending (back in force, its rows being written by settlement) the feed waits: those rows
are written over seconds, in several transactions, and would otherwise be read half-written.

Every read runs in `snapshot()`: one repeatable-read transaction, so the principal's groups,
the change log and the reports served with it are one instant's, and the caller's audit event
commits with the page.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from django.db import connection, transaction

from sharing.access import forget, resolve
from sharing.access.principals import Principal, PrincipalLike
from sharing.feeds.cursors import Position
from sharing.models import DisseminationBasis, ReportState

Deleted = Literal["retracted", "access_revoked"]

# A caught-up read has read every report of every transaction below the bound.
_LAST_REPORT = 2**62

# The first transaction id a read must not pass: the oldest in flight in this database, or the
# next to be assigned. The snapshot lists in-flight ids of the whole cluster; those of other
# databases (other applications, a test database) would hold every feed back for as long as
# they run, so they are left out when pg_stat_activity says where they run. An id it cannot
# place (one that ended meanwhile, or of a role whose sessions it hides) counts as ours: the
# read stops earlier, never later.
_BOUND = """
SELECT least(
  pg_snapshot_xmax(s)::text::bigint,
  (SELECT min(x::text::bigint) FROM pg_snapshot_xip(s) AS x
   WHERE xid(x) NOT IN (SELECT a.backend_xid FROM pg_stat_activity a
                        WHERE a.backend_xid IS NOT NULL
                          AND a.datname IS DISTINCT FROM current_database()))) AS xid
FROM pg_current_snapshot() AS s
"""

# One branch per group of the principal, each walking index report_grant_feed in order from
# the cursor and keeping what the feed tells: published or retracted reports (not drafts), at
# the latest position of their grants in the principal's groups (an earlier one is skipped).
# Each branch stops at `limit` entries; PostgreSQL merges the branches (Merge Append). The
# filters sit inside the branches: a branch cut before filtering could stop short of an entry
# another branch's later entries would then step over.
_GRANTS_BRANCH = """
(SELECT g.feed_xid AS xid, g.content_object_id AS report_id, r.state, r.retracted_at AS at
 FROM sharing_reportgroupobjectpermission g JOIN sharing_report r ON r.id = g.content_object_id
 WHERE g.group_id = %(group{n})s AND g.permission_id = %(permission)s
   AND (g.feed_xid, g.content_object_id) > (%(after_xid)s, %(after_report)s)
   AND g.feed_xid < (SELECT xid FROM bound)
   AND r.state <> %(draft)s
   AND NOT EXISTS (SELECT 1 FROM sharing_reportgroupobjectpermission l
                   WHERE l.content_object_id = g.content_object_id
                     AND l.permission_id = %(permission)s AND l.group_id = ANY(%(groups)s)
                     AND l.feed_xid > g.feed_xid AND l.feed_xid < (SELECT xid FROM bound)
                   OFFSET 0)
 ORDER BY g.feed_xid, g.content_object_id
 LIMIT %(limit)s)"""

# Revoked rows of the principal's agency, of its country, and of every agency (TLP:CLEAR),
# each walking its partial index (dissem_revoked_agency / dissem_revoked_country) from the
# cursor, keeping the revocations no other row of the principal still covered then: the
# principal lost the report at that position. Rows revoked together count once.
_REVOKED_BRANCH = """
(SELECT DISTINCT ON (d.revoked_xid, d.report_id) d.revoked_xid AS xid, d.report_id, r.state,
        d.revoked_at AS at
 FROM sharing_dissemination d JOIN sharing_report r ON r.id = d.report_id
 WHERE {recipient} AND d.revoked_xid IS NOT NULL
   AND (d.revoked_xid, d.report_id) > (%(after_xid)s, %(after_report)s)
   AND d.revoked_xid >= coalesce(%(origin)s, (SELECT xid FROM bound))
   AND d.revoked_xid < (SELECT xid FROM bound)
   AND NOT EXISTS (SELECT 1 FROM sharing_dissemination k
                   WHERE k.report_id = d.report_id
                     AND (k.recipient_agency_id = %(agency)s
                          OR k.recipient_country_id = %(country)s
                          OR k.basis = %(every_agency)s)
                     AND k.granted_xid <= d.revoked_xid
                     AND (k.revoked_xid IS NULL OR k.revoked_xid > d.revoked_xid)
                   OFFSET 0)
 ORDER BY d.revoked_xid, d.report_id
 LIMIT %(limit)s)"""
_RECIPIENTS = (
    "d.recipient_agency_id = %(agency)s AND d.recipient_agency_id IS NOT NULL",
    "d.recipient_country_id = %(country)s AND d.recipient_agency_id IS NULL",
    "d.recipient_country_id IS NULL AND d.recipient_agency_id IS NULL"
    " AND d.basis = %(every_agency)s",
)

# OFFSET 0 keeps each NOT EXISTS a probe per entry: without it the planner may hash every
# grant of the principal's groups, or every row of its country, to answer a page. A report
# both granted and revoked at one position is still granted (another row holds it).
_CHANGES = """
WITH bound AS MATERIALIZED ({bound})
SELECT b.xid, e.xid, e.report_id, e.deleted, e.at
FROM bound b LEFT JOIN LATERAL (
  SELECT DISTINCT ON (u.xid, u.report_id) u.xid, u.report_id, u.deleted, u.at
  FROM (
    SELECT c.xid, c.report_id, 0 AS stream,
           CASE WHEN c.state = %(retracted)s THEN 'retracted' END AS deleted, c.at
    FROM ({grants}) AS c
    UNION ALL
    SELECT t.xid, t.report_id, 1,
           CASE WHEN t.state = %(retracted)s THEN 'retracted' ELSE 'access_revoked' END, t.at
    FROM ({revocations}) AS t
  ) AS u
  ORDER BY u.xid, u.report_id, u.stream
  LIMIT %(limit)s
) AS e ON true
ORDER BY e.xid, e.report_id
"""


@functools.cache
def _statement(groups: int) -> str:
    grants = "\nUNION ALL\n".join(_GRANTS_BRANCH.replace("{n}", str(n)) for n in range(groups))
    revocations = "\nUNION ALL\n".join(
        _REVOKED_BRANCH.replace("{recipient}", recipient) for recipient in _RECIPIENTS
    )
    return (
        _CHANGES.replace("{bound}", _BOUND)
        .replace("{grants}", grants)
        .replace("{revocations}", revocations)
    )


@dataclass(frozen=True)
class Change:
    """One entry of the log: the report as it is now, or a tombstone (`deleted` set)."""

    xid: int
    report_id: int
    deleted: Deleted | None
    at: dt.datetime | None  # a tombstone's: when the report was retracted or access ended


@dataclass(frozen=True)
class ChangePage:
    changes: list[Change]
    position: Position  # where the next read starts
    more: bool  # the page was full: read on at once
    waiting: bool  # an agreement of the principal's country is being settled: read again soon


@contextmanager
def snapshot() -> Iterator[None]:
    """One repeatable-read transaction around a feed read and whatever records it.

    Inside a transaction already open (a test's), the reads share that transaction instead.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def _bound() -> int:
    with connection.cursor() as cursor:
        cursor.execute(_BOUND)
        (bound,) = cursor.fetchone()
    return int(bound)


def read_changes(subject: PrincipalLike, after: Position | None, limit: int) -> ChangePage:
    """Up to `limit` changes visible to `subject` after `after` (None: from the start).

    Call inside `snapshot()`. A read from the start returns every report the subject may see
    now, once; reads from the position it returns continue exactly after it.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    forget(subject)  # resolved again inside this snapshot
    principal = resolve(subject)
    if principal.pending_agreement_ids or not principal.group_ids:
        return _waiting(principal, after)
    start = after or Position.start()
    params = _params(principal, start, after, limit + 1)
    with connection.cursor() as cursor:
        cursor.execute(_statement(len(principal.group_ids)), params)
        rows = cursor.fetchall()
    bound = int(rows[0][0])
    origin = start.origin if after is not None else bound
    changes = [
        Change(xid=xid, report_id=report_id, deleted=deleted, at=at)
        for _, xid, report_id, deleted, at in rows
        if xid is not None
    ]
    if len(changes) > limit:
        changes = changes[:limit]
        last = changes[-1]
        return ChangePage(changes, Position(last.xid, last.report_id, origin), True, False)
    caught_up = Position(bound - 1, _LAST_REPORT, origin)
    if (caught_up.xid, caught_up.report_id) < (start.xid, start.report_id):
        caught_up = start  # the bound never moves back; kept safe if a clock of ids ever did
    return ChangePage(changes, caught_up, False, False)


def _waiting(principal: Principal, after: Position | None) -> ChangePage:
    if after is not None:
        return ChangePage([], after, False, bool(principal.group_ids))
    # A first read that has to wait still fixes its origin: nothing before it is held.
    bound = _bound()
    return ChangePage([], Position(0, 0, bound), False, bool(principal.group_ids))


def _params(
    principal: Principal, start: Position, after: Position | None, limit: int
) -> dict[str, Any]:
    return {
        **{f"group{n}": group for n, group in enumerate(principal.group_ids)},
        "groups": list(principal.group_ids),
        "permission": principal.view_permission_id,
        "after_xid": start.xid,
        "after_report": start.report_id,
        # None on a first read: no tombstone before its own bound (nothing was held then).
        "origin": start.origin if after is not None else None,
        "limit": limit,
        "agency": principal.agency_id,
        "country": principal.country_id,
        "every_agency": DisseminationBasis.TLP_CLEAR.value,
        "draft": ReportState.DRAFT.value,
        "retracted": ReportState.RETRACTED.value,
    }
