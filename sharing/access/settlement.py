"""Settling an agreement's record after it came into force or left it: rows and grants.

A change of force is one update of the agreement row (see sharing.services.agreements), so
access follows on the next request whatever the number of reports. What that change means
for the record is written here afterwards, in report-id batches of their own transactions:

- left force at `unsettled_since`: its live rows get revoked_at = that instant and the
  grants of its party groups go;
- came into force at `pending_since` ("pending"): a row granted at that instant for every
  report the rule shares, and the party groups' grants; principals see those reports through
  the rule itself meanwhile (sharing.access.queries);
- left force again at `pending_until` before that was written: the rows of that period are
  written revoked at that instant, and no grants.

`settle_report` does the same for one report before a change to it is written, so that the
change revokes or keeps rows that already carry the right instants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from psycopg import sql

from sharing.access.grants import view_permission
from sharing.access.qualifying import QUALIFYING, rule_params
from sharing.access.sync import Progress
from sharing.models import (
    Agreement,
    AgreementParty,
    AgreementState,
    DisseminationBasis,
    Report,
    ReportState,
)
from sharing.models.positions import CURRENT_TRANSACTION_SQL

# --------------------------------------------------------------------------------------------
# Locks

SETTLE_BATCH_IDS = 25_000  # report ids per batch transaction (about 8k rows of BENCH/BIG)
_LOCK_NAMESPACE = 0x42_49_58  # first key of the per-agreement advisory lock
_RUN_NAMESPACE = 0x42_49_59  # first key of the lock that lets one settlement run at a time

_ADVISORY_SQL = {
    name: f"SELECT {name}(%(space)s, %(key)s)"
    for name in (
        "pg_advisory_xact_lock",
        "pg_try_advisory_xact_lock",
        "pg_advisory_lock",
        "pg_try_advisory_lock",
        "pg_advisory_unlock",
    )
}


def _advisory(function: str, space: int, agreement_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_ADVISORY_SQL[function], {"space": space, "key": agreement_id})
        (result,) = cursor.fetchone()
    return result is not False


def lock_agreement_settlement(agreement_id: int) -> None:
    """Serialise the agreement's services with each settlement batch (transaction-scoped lock).

    Services take it before the agreement's row lock, and each batch does too, so the two
    locks are always taken in the same order. A batch is short: a service waits for one batch,
    never for a whole settlement.
    """
    _advisory("pg_advisory_xact_lock", _LOCK_NAMESPACE, agreement_id)


@contextmanager
def _one_run(agreement_id: int, *, wait: bool) -> Iterator[None]:
    """One settlement of an agreement at a time (the task, the calendar, the command).

    Inside a caller's transaction (a service settling first) the lock lasts until that
    transaction ends: unlocking in an aborted transaction would fail and leave a session lock
    on a reused connection. Outside one, a session lock spans the batches' transactions.
    """
    in_transaction = connection.in_atomic_block
    function = "pg_advisory_xact_lock" if in_transaction else "pg_advisory_lock"
    if not wait:
        function = function.replace("pg_", "pg_try_", 1)
    if not _advisory(function, _RUN_NAMESPACE, agreement_id):
        raise ValidationError(
            "The record of this agreement's last change is being written; try again in a moment."
        )
    try:
        yield
    finally:
        if not in_transaction:
            _advisory("pg_advisory_unlock", _RUN_NAMESPACE, agreement_id)


# --------------------------------------------------------------------------------------------
# What is left to settle


@dataclass(frozen=True)
class Marks:
    """An agreement's state as far as its record is concerned (see Agreement's fields)."""

    state: str
    enforced: bool
    unsettled_since: dt.datetime | None
    pending_since: dt.datetime | None
    pending_until: dt.datetime | None

    @property
    def settled(self) -> bool:
        return self.unsettled_since is None and self.pending_since is None

    @classmethod
    def of(cls, agreement: Agreement) -> Marks:
        return cls(
            state=agreement.state,
            enforced=agreement.enforced,
            unsettled_since=agreement.unsettled_since,
            pending_since=agreement.pending_since,
            pending_until=agreement.pending_until,
        )


_MARKS_SQL = (
    "SELECT state, enforced, unsettled_since, pending_since, pending_until"
    " FROM sharing_agreement WHERE id = %(agreement)s"
)
_LOCKED_MARKS_SQL = {True: _MARKS_SQL + " FOR UPDATE", False: _MARKS_SQL + " FOR SHARE"}


def _locked_marks(agreement_id: int, *, exclusive: bool = True) -> Marks | None:
    """The marks under the agreement's locks: the services' (exclusive, for a batch) or a
    share lock (for one report's change, like a publish: batches wait, reports do not)."""
    if exclusive:
        lock_agreement_settlement(agreement_id)
    with connection.cursor() as cursor:
        cursor.execute(_LOCKED_MARKS_SQL[exclusive], {"agreement": agreement_id})
        row = cursor.fetchone()
    return None if row is None else Marks(*row)


@dataclass
class Settlement:
    """What one settlement wrote; the marks are those it cleared."""

    unsettled_since: dt.datetime | None = None
    pending_since: dt.datetime | None = None
    pending_until: dt.datetime | None = None
    revoked: int = 0  # rows of the earlier period given revoked_at = unsettled_since
    granted: int = 0  # rows written for the period that began at pending_since
    ended: int = 0  # rows of that period given revoked_at = pending_until afterwards
    grants_added: int = 0
    grants_removed: int = 0
    restarts: int = 0  # passes begun again because the agreement changed meanwhile


# --------------------------------------------------------------------------------------------
# The statements, one report-id range at a time

# The rows of the earlier period (granted before the pending one began, if any) end when
# access ended. greatest(): an expiry ends access at midnight, which may precede a row
# written that day before the calendar ran.
_END_EARLIER_SQL = (
    sql.SQL("""
UPDATE sharing_dissemination d
SET revoked_at = greatest(%(unsettled_since)s, d.granted_at), revoke_reason = %(earlier_reason)s,
    revoked_xid = {current_transaction}
WHERE d.agreement_id = %(agreement)s AND d.revoked_at IS NULL
  AND d.report_id BETWEEN %(lo)s AND %(hi)s
  AND (%(pending_since)s::timestamptz IS NULL OR d.granted_at < %(pending_since)s)
""")
    .format(current_transaction=sql.SQL(CURRENT_TRANSACTION_SQL))
    .as_string()
)

# The pending period's rows: granted when it began, for every report the rule shares and that
# has no row of this period yet (a publish or a report change during the period wrote one);
# revoked when it ended if it has. Grants only while the agreement is in force.
_WRITE_PERIOD_SQL = (
    sql.SQL("""
WITH q AS MATERIALIZED (
  SELECT * FROM ({qualifying}) AS q
  WHERE q.agreement_id = %(agreement)s AND q.report_id BETWEEN %(lo)s AND %(hi)s
),
d AS (
  INSERT INTO sharing_dissemination
      (report_id, group_id, recipient_country_id, basis, agreement_id, granted_at,
       published_at, revoked_at, revoke_reason, revoked_xid)
  SELECT q.report_id, q.group_id, q.country_id, %(basis)s, %(agreement)s, %(pending_since)s,
         q.published_at, %(pending_until)s, %(period_reason)s,
         CASE WHEN %(pending_until)s::timestamptz IS NOT NULL THEN {current_transaction} END
  FROM q
  WHERE NOT EXISTS (SELECT 1 FROM sharing_dissemination x
                    WHERE x.report_id = q.report_id AND x.group_id = q.group_id
                      AND x.agreement_id = %(agreement)s AND x.granted_at >= %(pending_since)s)
  ON CONFLICT DO NOTHING
  RETURNING 1
),
p AS (
  INSERT INTO sharing_reportgroupobjectpermission
      (permission_id, group_id, content_object_id, published_at)
  SELECT %(permission)s, q.group_id, q.report_id, q.published_at FROM q
  WHERE %(in_force)s
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM p)
""")
    .format(qualifying=QUALIFYING, current_transaction=sql.SQL(CURRENT_TRANSACTION_SQL))
    .as_string()
)

# The pending period ended before its record was written: rows of it still live end then.
_END_PERIOD_SQL = (
    sql.SQL("""
UPDATE sharing_dissemination d
SET revoked_at = greatest(%(pending_until)s, d.granted_at), revoke_reason = %(period_reason)s,
    revoked_xid = {current_transaction}
WHERE d.agreement_id = %(agreement)s AND d.revoked_at IS NULL
  AND d.report_id BETWEEN %(lo)s AND %(hi)s
""")
    .format(current_transaction=sql.SQL(CURRENT_TRANSACTION_SQL))
    .as_string()
)

# Out of force: every grant of its party groups goes (past parties' groups included). In
# force: those no live row backs (a party group holds this agreement's grants only).
_DROP_GRANTS_SQL = """
DELETE FROM sharing_reportgroupobjectpermission g
WHERE g.group_id = ANY(%(groups)s) AND g.permission_id = %(permission)s
  AND g.content_object_id BETWEEN %(lo)s AND %(hi)s
  AND (NOT %(in_force)s
       OR NOT EXISTS (SELECT 1 FROM sharing_dissemination d
                      WHERE d.report_id = g.content_object_id AND d.group_id = g.group_id
                        AND d.revoked_at IS NULL))
"""


def _reason(state: str) -> str:
    if state == AgreementState.ACTIVE:
        return "agreement out of force"  # lapsed by date, or ended before a reactivation
    return f"agreement {AgreementState(state).label.lower()}"


def _params(agreement_id: int, marks: Marks) -> dict[str, Any]:
    # The groups of its parties, past ones included (a party removed while the agreement was
    # out of force keeps its group): they hold this agreement's grants and no other.
    prefix = AgreementParty.group_name(agreement_id, "")
    groups = Group.objects.filter(name__startswith=prefix).values_list("id", flat=True)
    return {
        **rule_params(),
        "agreement": agreement_id,
        "unsettled_since": marks.unsettled_since,
        "pending_since": marks.pending_since,
        "pending_until": marks.pending_until,
        "in_force": marks.enforced,
        "earlier_reason": _reason(marks.state),
        "period_reason": "" if marks.pending_until is None else _reason(marks.state),
        "basis": DisseminationBasis.AGREEMENT.value,
        "permission": view_permission().pk,
        "groups": sorted(groups),  # never a country's or agency's group
    }


def _settle_range(params: dict[str, Any], marks: Marks, into: Settlement) -> None:
    with connection.cursor() as cursor:
        if marks.unsettled_since is not None:
            cursor.execute(_END_EARLIER_SQL, params)
            into.revoked += cursor.rowcount
        if marks.pending_since is not None:
            cursor.execute(_WRITE_PERIOD_SQL, params)
            granted, added = cursor.fetchone()
            into.granted += granted
            into.grants_added += added
        if marks.pending_until is not None:
            cursor.execute(_END_PERIOD_SQL, params)
            into.ended += cursor.rowcount
        if not marks.enforced or marks.unsettled_since is not None:
            cursor.execute(_DROP_GRANTS_SQL, params)
            into.grants_removed += cursor.rowcount


def _report_ranges(batch_ids: int) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM sharing_report")
        lo, hi = cursor.fetchone() or (None, None)
    if lo is None or hi is None:
        return []
    return [(start, min(start + batch_ids - 1, hi)) for start in range(lo, hi + 1, batch_ids)]


# --------------------------------------------------------------------------------------------
# Settling an agreement


def settle_agreement(
    agreement_id: int,
    *,
    batch_ids: int = SETTLE_BATCH_IDS,
    progress: Progress | None = None,
    on_settled: Callable[[Agreement, Settlement], None] | None = None,
    wait: bool = True,
) -> Settlement | None:
    """Write what the agreement's last changes of force mean for its rows and grants.

    In batches of `batch_ids` report ids, each in its own transaction (unless the caller's
    encloses them) under the agreement's locks, so a suspension or reactivation arriving
    meanwhile waits for one batch at most; when one does, the pass begins again with the new
    marks (every statement is idempotent). `on_settled` runs in the transaction that clears
    the marks. Returns None when there was nothing to settle. `wait=False`: refuse
    (ValidationError) rather than wait for another settlement of the agreement in progress.
    """
    with _one_run(agreement_id, wait=wait):
        marks = _read_marks(agreement_id)
        if marks is None or marks.settled:
            return None
        settlement = Settlement()
        while True:
            if _settle_pass(agreement_id, marks, batch_ids, progress, settlement, on_settled):
                return settlement
            settlement.restarts += 1
            marks = _read_marks(agreement_id)
            if marks is None or marks.settled:  # only a settlement clears them: not expected
                return None


def _read_marks(agreement_id: int) -> Marks | None:
    agreement = Agreement.objects.filter(pk=agreement_id).first()
    return None if agreement is None else Marks.of(agreement)


def _settle_pass(
    agreement_id: int,
    marks: Marks,
    batch_ids: int,
    progress: Progress | None,
    settlement: Settlement,
    on_settled: Callable[[Agreement, Settlement], None] | None,
) -> bool:
    """One pass over every report id; False when the agreement changed under it."""
    params = _params(agreement_id, marks)
    ranges = _report_ranges(batch_ids)
    for done, (lo, hi) in enumerate(ranges, start=1):
        with transaction.atomic():
            if _locked_marks(agreement_id) != marks:
                return False
            _settle_range({**params, "lo": lo, "hi": hi}, marks, settlement)
        if progress:
            progress(done, len(ranges))
    with transaction.atomic():
        if _locked_marks(agreement_id) != marks:
            return False
        Agreement.objects.filter(pk=agreement_id).update(
            unsettled_since=None, pending_since=None, pending_until=None
        )
        settlement.unsettled_since = marks.unsettled_since
        settlement.pending_since = marks.pending_since
        settlement.pending_until = marks.pending_until
        if on_settled is not None:
            on_settled(Agreement.objects.get(pk=agreement_id), settlement)
    return True


def unsettled_agreement_ids() -> list[int]:
    """Agreements with something left to settle (what the calendar task settles last)."""
    marked = Q(unsettled_since__isnull=False) | Q(pending_since__isnull=False)
    return list(Agreement.objects.filter(marked).order_by("pk").values_list("pk", flat=True))


# --------------------------------------------------------------------------------------------
# Settling one report before it changes

_UNSETTLED_OF_REPORT_SQL = """
SELECT a.id FROM sharing_agreement a
WHERE (a.unsettled_since IS NOT NULL OR a.pending_since IS NOT NULL)
  AND (EXISTS (SELECT 1 FROM sharing_agreementparty p
               WHERE p.agreement_id = a.id AND p.country_id = %(country)s)
       OR EXISTS (SELECT 1 FROM sharing_dissemination d
                  WHERE d.report_id = %(report)s AND d.agreement_id = a.id
                    AND d.revoked_at IS NULL))
ORDER BY a.id
"""


def settle_report(report: Report) -> None:
    """Settle one published report's record under agreements not yet settled, before it changes.

    Call it in the transaction that changes the report, after locking the report and before
    writing the change: a report edited out of an agreement's scope while that agreement's
    rows are being written must show it was shared from the instant the agreement came into
    force until the edit, and one edited while a suspension is being settled must show
    access ended at the suspension, not at the edit. The agreement's share lock keeps
    settlement batches out meanwhile.
    """
    if report.state != ReportState.PUBLISHED:
        return  # a draft was never shared under an agreement
    with connection.cursor() as cursor:
        cursor.execute(
            _UNSETTLED_OF_REPORT_SQL,
            {"country": report.originator_country_id, "report": report.pk},
        )
        agreement_ids = [agreement_id for (agreement_id,) in cursor.fetchall()]
    for agreement_id in agreement_ids:
        marks = _locked_marks(agreement_id, exclusive=False)
        if marks is None or marks.settled:
            continue
        params = _params(agreement_id, marks)
        _settle_range({**params, "lo": report.pk, "hi": report.pk}, marks, Settlement())
