"""Set-based recomputation of every report under one agreement in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone
from psycopg import sql

from sharing.access.grants import _require_transaction, view_permission
from sharing.access.qualifying import QUALIFYING, rule_params
from sharing.access.rules import AgreementTerms
from sharing.models import Agreement, Dissemination, DisseminationBasis
from sharing.models.positions import CURRENT_TRANSACTION_SQL

Progress = Callable[[int, int], None]
BATCH_IDS = 100_000  # report-id span per set-based statement

# --------------------------------------------------------------------------------------------
# Set-based recomputation for one agreement


# The rows of a report-id range the rule gives (sharing.access.qualifying).
_RANGE = sql.SQL("""
SELECT * FROM ({qualifying}) AS q
WHERE q.agreement_id = %(agreement)s AND q.report_id BETWEEN %(lo)s AND %(hi)s
""").format(qualifying=QUALIFYING)

_GRANT_SQL = (
    sql.SQL("""
WITH q AS MATERIALIZED ({qualifying}),
d AS (
  INSERT INTO sharing_dissemination
      (report_id, group_id, recipient_country_id, basis, agreement_id, granted_at,
       published_at, revoke_reason)
  SELECT report_id, group_id, country_id, %(basis)s, %(agreement)s, %(now)s, published_at, ''
  FROM q
  ON CONFLICT DO NOTHING
  RETURNING 1
),
p AS (
  INSERT INTO sharing_reportgroupobjectpermission
      (permission_id, group_id, content_object_id, published_at)
  SELECT %(permission)s, group_id, report_id, published_at FROM q
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM p)
""")
    .format(qualifying=_RANGE)
    .as_string()
)

# Amendments: the live rows of a report-id range that no longer qualify, and their grants
# (a party's group holds grants of its agreement only, so no other basis can need them).
_STALE_ROWS = sql.SQL("""
SELECT l.id FROM sharing_dissemination l
WHERE l.agreement_id = %(agreement)s AND l.revoked_at IS NULL
  AND l.report_id BETWEEN %(lo)s AND %(hi)s
  AND NOT EXISTS (SELECT 1 FROM ({qualifying}) q
                  WHERE q.report_id = l.report_id AND q.country_id = l.recipient_country_id)
""").format(qualifying=_RANGE)
_REVOKE_STALE_SQL = (
    sql.SQL("""
WITH v AS (
  UPDATE sharing_dissemination d
  SET revoked_at = %(now)s, revoke_reason = %(reason)s, revoked_xid = {current_transaction}
  WHERE d.id IN ({stale})
  RETURNING d.report_id, d.group_id
),
p AS (
  DELETE FROM sharing_reportgroupobjectpermission g USING v
  WHERE g.content_object_id = v.report_id AND g.group_id = v.group_id
    AND g.permission_id = %(permission)s
  RETURNING 1
)
SELECT (SELECT count(*) FROM v), (SELECT count(*) FROM p)
""")
    .format(stale=_STALE_ROWS, current_transaction=sql.SQL(CURRENT_TRANSACTION_SQL))
    .as_string()
)


@dataclass
class SyncResult:
    granted: int = 0  # Dissemination rows written
    revoked: int = 0  # Dissemination rows revoked
    grants_added: int = 0  # guardian rows inserted
    grants_removed: int = 0  # guardian rows deleted


def _id_batches(lo: int | None, hi: int | None) -> list[tuple[int, int]]:
    if lo is None or hi is None:
        return []
    return [(start, min(start + BATCH_IDS - 1, hi)) for start in range(lo, hi + 1, BATCH_IDS)]


def sync_agreement(
    agreement: Agreement,
    *,
    reason: str,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> SyncResult:
    """Grant every report qualifying under an agreement in force, revoke what no longer does.

    Set-based, in report-id batches, in the caller's transaction: amendments of an agreement
    in force, whose new terms must hold from the next request. The caller holds the
    agreement's row lock (see services), so concurrent publishes see either the old or the
    new terms whole, and has settled the agreement first (`settle_agreement`).
    """
    _require_transaction("sync_agreement()")
    now = now or timezone.now()
    terms = AgreementTerms.of(agreement)
    if not terms.in_force(timezone.localdate(now)):
        raise ValueError(f"agreement {terms.reference} is not in force; settle it instead")
    params: dict[str, Any] = {
        **rule_params(),
        "agreement": agreement.pk,
        "permission": view_permission().pk,
        "now": now,
        "reason": reason[:200],
        "basis": DisseminationBasis.AGREEMENT.value,
    }
    live = Dissemination.objects.filter(agreement=agreement, revoked_at__isnull=True).exists()
    result = SyncResult()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), max(id) FROM sharing_report WHERE originator_country_id IN"
            " (SELECT country_id FROM sharing_agreementparty WHERE agreement_id = %(agreement)s)",
            {"agreement": agreement.pk},
        )
        lo, hi = cursor.fetchone() or (None, None)
        batches = _id_batches(lo, hi)
        for done, (start, end) in enumerate(batches, start=1):
            batch = {**params, "lo": start, "hi": end}
            if live:
                cursor.execute(_REVOKE_STALE_SQL, batch)
                revoked, removed = cursor.fetchone()
                result.revoked += revoked
                result.grants_removed += removed
            cursor.execute(_GRANT_SQL, batch)
            granted, added = cursor.fetchone()
            result.granted += granted
            result.grants_added += added
            if progress:
                progress(done, len(batches))
    return result
