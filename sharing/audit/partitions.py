"""Monthly partitions of the audit record: created ahead of time, dropped whole at retention.

`sharing_auditevent` is range-partitioned by `occurred_at`, one partition per calendar month
in UTC, named `sharing_auditevent_pYYYYMM`, plus a default partition that should stay empty
(it catches an event whose month has no partition yet, so none is ever refused). Beat and
`run_scheduler` call `ensure_partitions()` daily; it creates the current month and the next
`AUDIT_PARTITIONS_AHEAD` months when missing. `purge()` drops the months that fell wholly out
of `AUDIT_RETENTION_MONTHS`, after recording a checkpoint that lets verification start after
them.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from sharing.audit.chain import GENESIS, SEALER_LOCK, seal
from sharing.audit.models import AuditCheckpoint, CheckpointKind

logger = logging.getLogger(__name__)

TABLE = "sharing_auditevent"
PREFIX = f"{TABLE}_p"
DEFAULT_PARTITION = f"{TABLE}_default"


def month_start(moment: dt.datetime) -> dt.datetime:
    moment = moment.astimezone(dt.UTC)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def add_months(start: dt.datetime, months: int) -> dt.datetime:
    index = start.year * 12 + start.month - 1 + months
    return start.replace(year=index // 12, month=index % 12 + 1)


def partition_name(start: dt.datetime) -> str:
    return f"{PREFIX}{start:%Y%m}"


def existing_partitions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [TABLE],
        )
        return [row[0] for row in cursor.fetchall()]


def ensure_partitions(now: dt.datetime | None = None, ahead: int | None = None) -> list[str]:
    """Create the missing partitions of this month and the next `ahead`; their names."""
    ahead = settings.AUDIT_PARTITIONS_AHEAD if ahead is None else ahead
    first = month_start(now or timezone.now())
    have = set(existing_partitions())
    created = []
    for offset in range(ahead + 1):
        start = add_months(first, offset)
        if partition_name(start) in have:
            continue
        try:
            # bix_audit_partition() (migration 0023) creates it with its TRUNCATE guard.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT bix_audit_partition(%s::timestamp)", [start.replace(tzinfo=None)]
                )
        except Exception:
            # Rows for that month already sit in the default partition: docs/operations.md.
            logger.exception("audit: cannot create partition %s", partition_name(start))
            continue
        created.append(partition_name(start))
    return created


@dataclass(frozen=True)
class Purge:
    partitions: list[str]
    events: int
    checkpoint_seq: int


def purge(now: dt.datetime | None = None, months: int | None = None) -> Purge:
    """Drop the monthly partitions older than the retention, keeping the chain verifiable.

    Everything in them is sealed first; a `purged` checkpoint then records the highest `seq`
    dropped and its hash, from which verification goes on. An event kept in a newer month but
    sealed before that `seq` (committed across the month's end) is still checked on its own.
    """
    months = settings.AUDIT_RETENTION_MONTHS if months is None else months
    if months <= 0:
        return Purge([], 0, 0)
    cutoff = add_months(month_start(now or timezone.now()), -months)
    old = [
        name
        for name in existing_partitions()
        if name.startswith(PREFIX) and name < partition_name(cutoff)
    ]
    if not old:
        return Purge([], 0, 0)
    seal()
    with transaction.atomic(), connection.cursor() as cursor:
        # No sealer runs while partitions go: the head it reads must not vanish under it.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK])
        union = " UNION ALL ".join(
            f"SELECT count(*) AS n, count(*) FILTER (WHERE seq IS NULL) AS unsealed, "  # noqa: S608
            f"max(seq) AS top FROM {name}"
            for name in old
        )
        cursor.execute(f"SELECT sum(n), sum(unsealed), max(top) FROM ({union}) AS p")  # noqa: S608
        events, unsealed, top = cursor.fetchone()
        if unsealed:
            raise RuntimeError(f"{unsealed} events to purge are not sealed yet; seal first")
        checkpoint_seq = 0
        if top is not None:
            cursor.execute(f"SELECT hash FROM {TABLE} WHERE seq = %s", [top])  # noqa: S608
            (top_hash,) = cursor.fetchone()
            AuditCheckpoint.objects.create(
                kind=CheckpointKind.PURGED, seq=top, hash=top_hash or GENESIS, events=events
            )
            checkpoint_seq = top
        for name in old:
            cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
            cursor.execute(f"DROP TABLE {name}")
    return Purge(old, int(events or 0), checkpoint_seq)
