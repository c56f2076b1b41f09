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
_SPARE = 64

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

# The log is read in two steps. First each source walks its index in (transaction, report)
# order from the cursor, `limit` entries at most: every group of the principal its grants
# (report_grant_feed; the hub of the 1M bench is party to 49 agreements, so one walk per group
# in a LATERAL join), and its agency, its country and every agency their revoked rows
# (dissem_revoked_*). These are index-only reads. The cut is the earliest last entry of a walk
# that stopped at `limit`: up to it, every source has given every entry, so the log is complete
# there (PostgreSQL cannot merge the walks in order with Merge Append and stop early, as it
# cannot see that a UNION ALL of index scans is ordered). Then, for entries up to the cut:
# - a grant tells the report once, at the latest position of its grants in the principal's
#   groups (an earlier one is skipped), and never a draft;
# - a revocation tells a tombstone only if no other row of the principal still covered the
#   report then (it lost the report at that position).
# OFFSET 0 keeps the report lookup and each NOT EXISTS a probe of its entry (the primary key,
# report_grant_probe, the report's own Dissemination rows): pulled up into joins, they could
# read every report or every grant of the principal's groups to answer one page. Entries at one
# position (a report held through several groups, or granted and revoked at once) are folded
# into one by read_changes.
_REVOKED_WALK = """
(SELECT d.revoked_xid AS xid, d.report_id, 1 AS stream, d.revoked_at AS at, {source} AS source
 FROM sharing_dissemination d
 WHERE {recipient} AND d.revoked_xid IS NOT NULL
   AND (d.revoked_xid, d.report_id) > (%(after_xid)s, %(after_report)s)
   AND d.revoked_xid >= coalesce(%(origin)s, (SELECT xid FROM bound))
   AND d.revoked_xid < (SELECT xid FROM bound)
 ORDER BY d.revoked_xid, d.report_id
 LIMIT %(walk)s)"""
# The principal's agency, its country, and every agency (TLP:CLEAR rows).
_RECIPIENTS = (
    "d.recipient_agency_id = %(agency)s",
    "d.recipient_country_id = %(country)s",
    "d.basis = %(every_agency)s",
)

_CHANGES = """
WITH bound AS MATERIALIZED ({bound}),
walk AS MATERIALIZED (
  SELECT w.xid, w.report_id, 0 AS stream, NULL::timestamptz AS at, grp.source
  FROM unnest(%(groups)s::integer[]) WITH ORDINALITY AS grp(id, source)
  CROSS JOIN LATERAL (
    SELECT g.feed_xid AS xid, g.content_object_id AS report_id
    FROM sharing_reportgroupobjectpermission g
    WHERE g.group_id = grp.id AND g.permission_id = %(permission)s
      AND (g.feed_xid, g.content_object_id) > (%(after_xid)s, %(after_report)s)
      AND g.feed_xid < (SELECT xid FROM bound)
    ORDER BY g.feed_xid, g.content_object_id
    LIMIT %(walk)s
  ) AS w
  UNION ALL {revoked}
),
cut AS MATERIALIZED (
  SELECT last.xid, last.report_id FROM (
    SELECT DISTINCT ON (source) source, xid, report_id FROM walk
    WHERE source IN (SELECT source FROM walk GROUP BY source HAVING count(*) >= %(walk)s)
    ORDER BY source, xid DESC, report_id DESC
  ) AS last
  ORDER BY last.xid, last.report_id
  LIMIT 1
)
SELECT b.xid, c.xid, c.report_id, e.xid, e.report_id, e.stream, e.state, e.at
FROM bound b LEFT JOIN cut c ON true LEFT JOIN LATERAL (
  SELECT u.xid, u.report_id, u.stream, r.state,
         CASE WHEN u.stream = 0 THEN r.retracted_at ELSE u.at END AS at
  FROM (SELECT * FROM walk w
        WHERE c.xid IS NULL OR (w.xid, w.report_id) <= (c.xid, c.report_id)
        ORDER BY w.xid, w.report_id, w.stream OFFSET 0) AS u
  CROSS JOIN LATERAL (
    SELECT x.state, x.retracted_at FROM sharing_report x WHERE x.id = u.report_id OFFSET 0
  ) AS r
  WHERE CASE WHEN u.stream = 0 THEN
          r.state <> %(draft)s
          AND NOT EXISTS (SELECT 1 FROM sharing_reportgroupobjectpermission l
                          WHERE l.content_object_id = u.report_id
                            AND l.permission_id = %(permission)s
                            AND l.group_id = ANY(%(groups)s)
                            AND l.feed_xid > u.xid AND l.feed_xid < (SELECT xid FROM bound)
                          OFFSET 0)
        ELSE
          NOT EXISTS (SELECT 1 FROM sharing_dissemination k
                      WHERE k.report_id = u.report_id
                        AND (k.recipient_agency_id = %(agency)s
                             OR k.recipient_country_id = %(country)s
                             OR k.basis = %(every_agency)s)
                        AND k.granted_xid <= u.xid
                        AND (k.revoked_xid IS NULL OR k.revoked_xid > u.xid)
                      OFFSET 0)
        END
  LIMIT %(fetch)s
) AS e ON true
ORDER BY e.xid, e.report_id, e.stream, e.at DESC
"""
_STATEMENT = _CHANGES.replace("{bound}", _BOUND).replace(
    "{revoked}",
    "\n  UNION ALL".join(
        _REVOKED_WALK.replace("{source}", str(-n)).replace("{recipient}", recipient)
        for n, recipient in enumerate(_RECIPIENTS, start=1)
    ),
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
    # The entries up to the cut are checked in order and only until `fetch` have passed: room
    # for the entries of the last position (a report's grants in several groups, rows revoked
    # together), which may be cut off and is then left for the next read.
    fetch = limit + 1 + _SPARE
    with connection.cursor() as cursor:
        cursor.execute(_STATEMENT, _params(principal, start, after, limit) | {"fetch": fetch})
        rows = cursor.fetchall()
    bound, cut_xid, cut_report = int(rows[0][0]), rows[0][1], rows[0][2]
    origin = start.origin if after is not None else bound
    positions = _fold(rows)
    if len(rows) == fetch and len(positions) > 1:
        positions.pop()
        positions = positions[:limit]
        last = positions[-1]
        return ChangePage(positions, Position(last.xid, last.report_id, origin), True, False)
    if len(positions) > limit:
        positions = positions[:limit]
        last = positions[-1]
        return ChangePage(positions, Position(last.xid, last.report_id, origin), True, False)
    if cut_xid is not None:
        # A source has more beyond the cut: everything up to it has been told.
        return ChangePage(positions, Position(cut_xid, cut_report, origin), True, False)
    caught_up = Position(bound - 1, _LAST_REPORT, origin)
    if (caught_up.xid, caught_up.report_id) < (start.xid, start.report_id):
        caught_up = start  # the bound never moves back; kept safe if a clock of ids ever did
    return ChangePage(positions, caught_up, False, False)


def _fold(rows: list[tuple[Any, ...]]) -> list[Change]:
    """One change per position: the report if a grant holds it, else a tombstone."""
    changes: list[Change] = []
    for *_, xid, report_id, stream, state, at in rows:
        if xid is None:
            continue  # nothing changed: the row only carries the bound
        if changes and (changes[-1].xid, changes[-1].report_id) == (xid, report_id):
            continue  # ordered by stream: a grant (0) comes before revocations (1)
        if state == ReportState.RETRACTED:
            changes.append(Change(xid, report_id, "retracted", at))
        elif stream == 0:
            changes.append(Change(xid, report_id, None, None))
        else:
            changes.append(Change(xid, report_id, "access_revoked", at))
    return changes


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
        "groups": list(principal.group_ids),
        "permission": principal.view_permission_id,
        "after_xid": start.xid,
        "after_report": start.report_id,
        # None on a first read: no tombstone before its own bound (nothing was held then).
        "origin": start.origin if after is not None else None,
        "walk": limit,
        "agency": principal.agency_id,
        "country": principal.country_id,
        "every_agency": DisseminationBasis.TLP_CLEAR.value,
        "draft": ReportState.DRAFT.value,
    }
