"""Settling an agreement that stopped being in force: its record closed, its grants removed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.db import connection, transaction

from sharing.access.grants import view_permission
from sharing.access.sync import Progress
from sharing.models import (
    Agreement,
    AgreementParty,
    AgreementState,
    Dissemination,
)

# --------------------------------------------------------------------------------------------
# Settling an agreement that stopped being in force

SETTLE_BATCH = 25_000  # rows per statement and per transaction when settling in the background
_LOCK_NAMESPACE = 0x42_49_58  # first key of the per-agreement advisory lock

# Rows addressed by physical location: `id IN (…)` made the planner hash-join a full scan of
# the table; the partial index dissem_live_by_agreement yields the addresses directly.
_SETTLE_RECORDS_SQL = """
UPDATE sharing_dissemination d
SET revoked_at = greatest(%(since)s, d.granted_at), revoke_reason = %(reason)s
WHERE d.ctid = ANY(ARRAY(SELECT ctid FROM sharing_dissemination
                         WHERE agreement_id = %(agreement)s AND revoked_at IS NULL
                         LIMIT %(batch)s))
  AND d.agreement_id = %(agreement)s AND d.revoked_at IS NULL
"""
_SETTLE_GRANTS_SQL = """
DELETE FROM sharing_reportgroupobjectpermission g
WHERE g.ctid = ANY(ARRAY(SELECT ctid FROM sharing_reportgroupobjectpermission
                         WHERE group_id = ANY(%(groups)s) AND permission_id = %(permission)s
                         LIMIT %(batch)s))
  AND g.group_id = ANY(%(groups)s)
"""


_ADVISORY_SQL = {
    name: f"SELECT {name}(%(space)s, %(key)s)"
    for name in ("pg_advisory_xact_lock", "pg_advisory_lock", "pg_advisory_unlock")
}


def _advisory(cursor: Any, function: str, agreement_id: int) -> None:
    cursor.execute(_ADVISORY_SQL[function], {"space": _LOCK_NAMESPACE, "key": agreement_id})


def lock_agreement_settlement(agreement_id: int) -> None:
    """Serialise settlement with the agreement's services (transaction-scoped lock).

    Services take it before the agreement's row lock, and settlement takes it first too, so
    the two locks are always taken in the same order.
    """
    with connection.cursor() as cursor:
        _advisory(cursor, "pg_advisory_xact_lock", agreement_id)


@dataclass
class Settlement:
    since: dt.datetime
    revoked: int = 0  # Dissemination rows given revoked_at = since
    grants_removed: int = 0  # guardian rows deleted from the agreement's party groups


def _run_batches(sql: str, params: dict[str, Any], progress: Progress | None, total: int) -> int:
    done = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            count: int = cursor.rowcount
        done += count
        if progress:
            progress(done, max(total, done))
        if count < params["batch"]:
            return done


def settle_agreement(
    agreement_id: int,
    *,
    batch: int = SETTLE_BATCH,
    progress: Progress | None = None,
    on_settled: Callable[[Agreement, Settlement], None] | None = None,
) -> Settlement | None:
    """Revoke the record and remove the grants an agreement left when it stopped being in force.

    Access ended when the agreement left force (its party groups no longer resolve); this
    writes `revoked_at` = that instant on every live row made under it and deletes the grants
    of its party groups, in batches of `batch` rows, each in its own transaction unless the
    caller's transaction encloses them. `on_settled` runs in the transaction that clears
    `unsettled_since`. Returns None when there was nothing to settle.
    """
    with connection.cursor() as cursor:
        _advisory(cursor, "pg_advisory_lock", agreement_id)
    try:
        agreement = Agreement.objects.filter(pk=agreement_id).first()
        if agreement is None or agreement.unsettled_since is None:
            return None  # settled already, or in force again (a constraint forbids both)
        settlement = Settlement(since=agreement.unsettled_since)
        live = Dissemination.objects.filter(agreement_id=agreement_id, revoked_at__isnull=True)
        # The groups of its parties, past ones included (a party removed while the agreement
        # was out of force keeps its group): they hold this agreement's grants and no other.
        prefix = AgreementParty.group_name(agreement_id, "")
        groups = Group.objects.filter(name__startswith=prefix).values_list("id", flat=True)
        params = {
            "agreement": agreement_id,
            "since": settlement.since,
            "reason": f"agreement {AgreementState(agreement.state).label.lower()}",
            "batch": batch,
            "groups": sorted(groups),  # never a country's or agency's group
            "permission": view_permission().pk,
        }
        settlement.revoked = _run_batches(_SETTLE_RECORDS_SQL, params, progress, live.count())
        settlement.grants_removed = _run_batches(_SETTLE_GRANTS_SQL, params, progress, 0)
        with transaction.atomic():
            cleared = Agreement.objects.filter(
                pk=agreement_id, unsettled_since=settlement.since
            ).update(unsettled_since=None)
            if cleared and on_settled is not None:
                on_settled(agreement, settlement)
        return settlement
    finally:
        with connection.cursor() as cursor:
            _advisory(cursor, "pg_advisory_unlock", agreement_id)
