"""The hash chain over the audit record: the sealer, the verifier and the signed head.

Each event, once committed, is sealed by the one sealer running at a time (a PostgreSQL
advisory lock serialises them): it gets the next sequence number `seq`, the hash of the event
sealed before it (`prev_hash`), and

    hash = HMAC-SHA256(AUDIT_CHAIN_KEY, prev_hash "|" seq "|" canonical event)

where the canonical event is the text PostgreSQL prints for the jsonb array of the event's
columns in the order of CANONICAL_COLUMNS (jsonb's text form is deterministic: no spacing
choices, object keys sorted). Sealing follows commit order as the sealer sees it, not ids or
times: a denial committed early or a long transaction committed late is simply sealed by the
next run. The key lives in settings, never in the database, so a person who can write the
table but does not hold the key cannot rewrite an event and its successors unnoticed.

`verify()` walks the chain from the last checkpoint (or from the start) and names the first
event that does not hold: a changed column, a changed or missing hash, a gap in `seq`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from sharing.audit.models import AuditCheckpoint, AuditEvent, CheckpointKind

# pg_try_advisory_xact_lock key of the sealer: "bixaudit" in ASCII.
SEALER_LOCK = 0x62_69_78_61_75_64_69_74
# The hash before the first event.
GENESIS = "0" * 64
# Every column of an event except the seal itself, in the order they are hashed.
CANONICAL_COLUMNS = (
    "id",
    "(extract(epoch from occurred_at) * 1000000)::bigint",  # UTC microseconds
    "action",
    "outcome",
    "channel",
    "actor_user_id",
    "actor_key_id",
    "actor_label",
    "agency_id",
    "country_id",
    "host(ip)",
    "request_id",
    "object_type",
    "object_ids",
    "recipients",
    "justification",
    "details",
)
CANONICAL = f"jsonb_build_array({', '.join(CANONICAL_COLUMNS)})::text"
SEAL_BATCH = 5000
READ_CHUNK = 20000


def _table() -> str:
    return connection.ops.quote_name(AuditEvent._meta.db_table)


def chain_key() -> bytes:
    return settings.AUDIT_CHAIN_KEY.encode()


def key_id() -> str:
    """Names the key without revealing it: which key to verify an anchor with."""
    return hashlib.sha256(b"bix-audit-key-id|" + chain_key()).hexdigest()[:16]


def link(key: bytes, prev_hash: str, seq: int, canonical: str) -> str:
    message = f"{prev_hash}|{seq}|{canonical}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


def head() -> Head:
    """The last sealed event (or the checkpoint a purge left when none is kept)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT seq, hash FROM {_table()} WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"  # noqa: S608
        )
        row = cursor.fetchone()
    if row is not None:
        return Head(row[0], row[1])
    start = AuditCheckpoint.objects.filter(kind=CheckpointKind.PURGED).order_by("-seq").first()
    if start is not None:
        return Head(start.seq, start.hash)
    return Head(0, GENESIS)


def seal(batch: int = SEAL_BATCH, max_batches: int | None = None) -> int:
    """Seal committed, unsealed events in batches; the number sealed (0 if another sealer runs)."""
    key = chain_key()
    sealed = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEALER_LOCK])
            if not cursor.fetchone()[0]:
                return sealed
            last = head()
            cursor.execute(
                f"SELECT id, {CANONICAL} FROM {_table()} "  # noqa: S608
                "WHERE seq IS NULL ORDER BY id LIMIT %s",
                [batch],
            )
            rows = cursor.fetchall()
            if not rows:
                return sealed
            ids, seqs, prevs, hashes = [], [], [], []
            seq, prev = last.seq, last.hash
            for event_id, canonical in rows:
                seq += 1
                current = link(key, prev, seq, canonical)
                ids.append(event_id)
                seqs.append(seq)
                prevs.append(prev)
                hashes.append(current)
                prev = current
            cursor.execute(
                f"UPDATE {_table()} AS e SET seq = v.seq, prev_hash = v.prev, hash = v.hash "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) "
                "AS v(id, seq, prev, hash) WHERE e.id = v.id AND e.seq IS NULL",
                [ids, seqs, prevs, hashes],
            )
            if cursor.rowcount != len(ids):
                raise RuntimeError("audit sealer: an event changed under the sealer's lock")
            sealed += len(ids)
        if len(rows) < batch:
            break
    return sealed


@dataclass(frozen=True)
class Break:
    """The first event at which the chain does not hold."""

    seq: int
    event_id: int | None
    reason: str
    occurred_at: dt.datetime | None = None
    action: str = ""

    def __str__(self) -> str:
        where = f"event seq {self.seq}"
        if self.event_id is not None:
            at = f", {self.occurred_at:%Y-%m-%d %H:%M:%S} UTC" if self.occurred_at else ""
            where += f" (id {self.event_id}, {self.action}{at})"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Verification:
    start: Head
    end: Head
    checked: int
    unsealed: int
    broken: Break | None


def _sealed_rows(after: int) -> Iterator[tuple[Any, ...]]:
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"SELECT seq, id, prev_hash, hash, {CANONICAL}, occurred_at, action "  # noqa: S608
            f"FROM {_table()} WHERE seq > %s ORDER BY seq",
            [after],
        )
        while chunk := cursor.fetchmany(READ_CHUNK):
            yield from chunk


def _check_kept_before(seq: int, key: bytes) -> Break | None:
    """Events kept although sealed before a purge's checkpoint, each checked on its own.

    A purge drops whole months; an event of a kept month sealed before the last one dropped
    (committed across the month's end) has lost its neighbours, not its own seal.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT seq, id, prev_hash, hash, {CANONICAL}, occurred_at, action "  # noqa: S608
            f"FROM {_table()} WHERE seq <= %s ORDER BY seq",
            [seq],
        )
        for row_seq, event_id, prev_hash, stored, canonical, occurred_at, action in cursor:
            if link(key, prev_hash, row_seq, canonical) != stored:
                reason = "its content or hash was changed"
                return Break(row_seq, event_id, reason, occurred_at, action)
    return None


def _start(full: bool) -> Head:
    kinds = [CheckpointKind.PURGED] if full else [CheckpointKind.PURGED, CheckpointKind.VERIFIED]
    checkpoint = AuditCheckpoint.objects.filter(kind__in=kinds).order_by("-seq", "-id").first()
    if checkpoint is None:
        return Head(0, GENESIS)
    return Head(checkpoint.seq, checkpoint.hash)


def verify(*, full: bool = False, record_checkpoint: bool = True) -> Verification:
    """Walk the chain from the last checkpoint (from the start with `full`)."""
    key = chain_key()
    start = _start(full)
    broken: Break | None = None
    seq, prev, checked = start.seq, start.hash, 0
    with transaction.atomic():
        if start.seq:
            # The checkpoint must still agree with the event it names, when that is kept.
            anchor = AuditEvent.objects.filter(seq=start.seq).values_list("id", "hash").first()
            if anchor is not None and anchor[1] != start.hash:
                broken = Break(start.seq, anchor[0], "does not match the checkpoint's hash")
        if broken is None and full and start.seq:
            broken = _check_kept_before(start.seq, key)
        if broken is None:
            for (
                row_seq,
                event_id,
                prev_hash,
                stored,
                canonical,
                occurred_at,
                action,
            ) in _sealed_rows(start.seq):
                if row_seq != seq + 1:
                    broken = Break(seq + 1, None, f"missing (the next sealed event is {row_seq})")
                    break
                if prev_hash != prev:
                    reason = "its link to the previous event was changed"
                elif link(key, prev, row_seq, canonical) != stored:
                    reason = "its content or hash was changed"
                else:
                    seq, prev, checked = row_seq, stored, checked + 1
                    continue
                broken = Break(row_seq, event_id, reason, occurred_at, action)
                break
        unsealed = AuditEvent.objects.filter(seq__isnull=True).count()
        end = Head(seq, prev)
        if broken is None and record_checkpoint and checked:
            AuditCheckpoint.objects.create(
                kind=CheckpointKind.VERIFIED, seq=end.seq, hash=end.hash, events=checked
            )
    return Verification(start=start, end=end, checked=checked, unsealed=unsealed, broken=broken)


def anchor() -> dict[str, Any]:
    """The chain's head, signed: to be shipped where the portal's operators cannot rewrite it."""
    current = head()
    at = timezone.now().isoformat()
    payload = {"seq": current.seq, "hash": current.hash, "at": at, "key_id": key_id()}
    message = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    signature = hmac.new(chain_key(), b"bix-audit-anchor|" + message, hashlib.sha256).hexdigest()
    AuditCheckpoint.objects.create(kind=CheckpointKind.ANCHORED, seq=current.seq, hash=current.hash)
    return {**payload, "signature": signature}


@dataclass(frozen=True)
class Status:
    """What the audit viewer shows of the chain."""

    head: Head
    unsealed: int
    last_verified: AuditCheckpoint | None
    last_anchored: AuditCheckpoint | None


def status() -> Status:
    def last(kind: str) -> AuditCheckpoint | None:
        return AuditCheckpoint.objects.filter(kind=kind).order_by("-created_at", "-id").first()

    return Status(
        head=head(),
        unsealed=AuditEvent.objects.filter(seq__isnull=True).count(),
        last_verified=last(CheckpointKind.VERIFIED),
        last_anchored=last(CheckpointKind.ANCHORED),
    )
