"""The audit record is sealed into a hash chain, append-only in the database, and verifiable."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import sys
import threading
from collections.abc import Callable

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from agencies.models import User
from sharing import audit
from sharing.audit import chain
from sharing.models import AuditAction, AuditCheckpoint, AuditEvent, CheckpointKind
from tests.portal.processes import Running, clean_environment, database_url, wait_until


def _events(count: int, actor: User | None = None) -> list[AuditEvent]:
    return [audit.record(actor, AuditAction.REPORT_LISTED, details={"n": n}) for n in range(count)]


def _verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def _raw(sql: str, params: list[int | str] | None = None) -> None:
    """What a superuser could do: switch the guard off, change the table, switch it back on."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE sharing_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params or [])
        cursor.execute("ALTER TABLE sharing_auditevent ENABLE TRIGGER audit_event_append_only")


def _seq_of(event: AuditEvent) -> int:
    event.refresh_from_db()
    assert event.seq is not None
    return event.seq


def test_sealing_links_each_event_to_the_one_before(alpha_analyst: User) -> None:
    events = _events(5, alpha_analyst)

    assert chain.seal() >= 5

    sealed = list(AuditEvent.objects.filter(seq__isnull=False).order_by("seq"))
    assert [e.seq for e in sealed] == list(range(1, len(sealed) + 1))
    assert sealed[0].prev_hash == chain.GENESIS
    for before, after in zip(sealed, sealed[1:], strict=False):
        assert after.prev_hash == before.hash
    assert {e.pk for e in events} <= {e.pk for e in sealed}
    assert "verified" in _verify()


def test_verification_resumes_from_its_last_checkpoint(alpha_analyst: User) -> None:
    _events(3, alpha_analyst)
    chain.seal()
    first = chain.verify()
    _events(2, alpha_analyst)
    chain.seal()

    second = chain.verify()

    assert first.broken is None
    assert second.broken is None
    assert second.start == first.end
    assert second.checked == 2
    checkpoint = AuditCheckpoint.objects.filter(kind=CheckpointKind.VERIFIED).first()
    assert checkpoint is not None
    assert checkpoint.seq == second.end.seq


def test_a_changed_event_is_named_by_verify_audit(alpha_analyst: User) -> None:
    events = _events(6, alpha_analyst)
    chain.seal()
    target = events[3]
    _raw("UPDATE sharing_auditevent SET details = %s WHERE id = %s", ['{"n": 99}', target.pk])

    with pytest.raises(CommandError, match=rf"seq {_seq_of(target)} \(id {target.pk}, ") as caught:
        _verify()
    assert "content or hash was changed" in str(caught.value)


def test_a_rewritten_hash_is_found_at_its_event(alpha_analyst: User) -> None:
    events = _events(4, alpha_analyst)
    chain.seal()
    _raw("UPDATE sharing_auditevent SET hash = repeat('f', 64) WHERE id = %s", [events[1].pk])

    with pytest.raises(CommandError, match=rf"seq {_seq_of(events[1])} "):
        _verify()


def test_a_deleted_event_is_named_as_missing(alpha_analyst: User) -> None:
    events = _events(4, alpha_analyst)
    chain.seal()
    gone = _seq_of(events[2])
    _raw("DELETE FROM sharing_auditevent WHERE id = %s", [events[2].pk])

    with pytest.raises(CommandError, match=rf"event seq {gone}: missing"):
        _verify()


def test_tampering_before_a_checkpoint_is_found_by_a_full_verification(
    alpha_analyst: User,
) -> None:
    events = _events(4, alpha_analyst)
    chain.seal()
    _verify()
    _raw("UPDATE sharing_auditevent SET actor_label = 'someone else' WHERE id = %s", [events[0].pk])

    with pytest.raises(CommandError, match=rf"seq {_seq_of(events[0])} "):
        _verify("--full")


def test_the_database_refuses_updates_and_deletes_of_events(alpha_analyst: User) -> None:
    [unsealed] = _events(1, alpha_analyst)
    [sealed] = _events(1, alpha_analyst)
    chain.seal()

    refused: list[Callable[[], object]] = [
        lambda: AuditEvent.objects.filter(pk=sealed.pk).update(action=AuditAction.ERASED),
        lambda: AuditEvent.objects.filter(pk=sealed.pk).update(hash="0" * 64),
        lambda: AuditEvent.objects.filter(pk=sealed.pk).delete(),
        lambda: AuditCheckpoint.objects.create(kind="verified", seq=1, hash="x").delete(),
    ]
    for attempt in refused:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    with transaction.atomic(), connection.cursor() as cursor:
        # The test database lets its flush truncate; a production database does not.
        cursor.execute("SET LOCAL bix.audit_truncate = 'no'")
        with pytest.raises(DatabaseError, match="append-only"):
            cursor.execute("TRUNCATE sharing_auditevent")
        transaction.set_rollback(True)
    assert AuditEvent.objects.filter(pk=sealed.pk, action=AuditAction.REPORT_LISTED).exists()
    assert AuditEvent.objects.filter(pk=unsealed.pk, seq__isnull=False).exists()


def test_sealing_an_event_cannot_change_it_on_the_way(alpha_analyst: User) -> None:
    [event] = _events(1, alpha_analyst)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(seq=1, hash="0" * 64, actor_label="forged")


def test_audit_anchor_prints_the_signed_head(alpha_analyst: User) -> None:
    _events(2, alpha_analyst)
    out = io.StringIO()
    call_command("audit_anchor", stdout=out)
    signed = json.loads(out.getvalue())

    head = chain.head()
    assert (signed["seq"], signed["hash"]) == (head.seq, head.hash)
    payload = {k: signed[k] for k in ("seq", "hash", "at", "key_id")}
    message = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    expected = hmac.new(
        settings.AUDIT_CHAIN_KEY.encode(), b"bix-audit-anchor|" + message, hashlib.sha256
    ).hexdigest()
    assert signed["signature"] == expected


def _in_thread(work: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


@pytest.mark.django_db(transaction=True)
def test_concurrent_sealers_never_fork_the_chain_under_concurrent_writers() -> None:
    writers, per_writer = 4, 150
    done = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        for n in range(per_writer):
            with transaction.atomic():
                audit.record(None, AuditAction.REPORT_LISTED, details={"n": n})
            if n % 10 == 0:
                audit.record_denial(None, AuditAction.ACCESS_DENIED, details={"n": n})

    def keep_sealing() -> None:
        while not done.is_set():
            chain.seal(batch=25)

    sealers = [_in_thread(keep_sealing, errors) for _ in range(3)]
    writing = [_in_thread(write, errors) for _ in range(writers)]
    for thread in sealers + writing:
        thread.start()
    for thread in writing:
        thread.join()
    done.set()
    for thread in sealers:
        thread.join()
    assert not errors
    chain.seal()

    total = writers * (per_writer + per_writer // 10)
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    result = chain.verify(full=True)
    assert result.broken is None
    assert (result.checked, result.unsealed) == (total, 0)


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_of_make_run_seals_new_events() -> None:
    [event] = _events(1)
    env = clean_environment(DATABASE_URL=database_url(), DEBUG="true", AUDIT_SEAL_INTERVAL="1")
    scheduler = Running(
        [sys.executable, "manage.py", "run_scheduler", "--stop-with-parent"], env=env
    )
    try:
        sealed = wait_until(
            lambda: AuditEvent.objects.filter(pk=event.pk, seq__isnull=False).exists(),
            timeout=60,
        )
    finally:
        scheduler.stop()
    assert sealed, scheduler.output()
    assert chain.verify(full=True).broken is None
