"""The audit record is partitioned by month; a purge drops old months, the chain still verifies."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from sharing import audit
from sharing.audit import chain, partitions
from sharing.models import AuditAction, AuditChannel, AuditCheckpoint, AuditEvent, CheckpointKind


def _partition_of(event: AuditEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM sharing_auditevent WHERE id = %s", [event.pk]
        )
        (name,) = cursor.fetchone()
    return str(name)


def _event_at(moment: dt.datetime) -> AuditEvent:
    # As record() writes, at a time of the test's choosing.
    return AuditEvent.objects.create(
        occurred_at=moment, action=AuditAction.REPORT_VIEWED, channel=AuditChannel.WEB
    )


def test_an_event_lands_in_its_month_and_months_ahead_exist(db: None) -> None:
    event = audit.record(None, AuditAction.REPORT_LISTED)
    now = timezone.now()

    assert _partition_of(event) == f"sharing_auditevent_p{now:%Y%m}"
    names = partitions.existing_partitions()
    for months in range(4):
        start = partitions.add_months(partitions.month_start(now), months)
        assert partitions.partition_name(start) in names
    assert "sharing_auditevent_default" in names


def test_partitions_are_created_ahead_once(db: None) -> None:
    later = timezone.now() + dt.timedelta(days=200)
    first = partitions.month_start(later)
    assert partitions.partition_name(first) not in partitions.existing_partitions()

    created = partitions.ensure_partitions(now=later, ahead=1)

    assert created == [
        partitions.partition_name(first),
        partitions.partition_name(partitions.add_months(first, 1)),
    ]
    assert partitions.ensure_partitions(now=later, ahead=1) == []


def test_purge_drops_old_months_and_the_chain_still_verifies(db: None) -> None:
    now = timezone.now()
    old = partitions.add_months(partitions.month_start(now), -40) + dt.timedelta(days=3)
    partitions.ensure_partitions(now=old, ahead=1)
    for _ in range(3):
        _event_at(old)
    kept_before = audit.record(None, AuditAction.REPORT_LISTED)
    _event_at(old + dt.timedelta(days=1))  # sealed after an event it outlives
    kept = [audit.record(None, AuditAction.REPORT_LISTED) for _ in range(2)]
    chain.seal()
    chain.verify()

    out = io.StringIO()
    call_command("purge_audit", "--months", "36", stdout=out)

    assert "Purged 4 events" in out.getvalue()
    assert not AuditEvent.objects.filter(occurred_at__lt=now - dt.timedelta(days=365)).exists()
    checkpoint = AuditCheckpoint.objects.get(kind=CheckpointKind.PURGED)
    assert checkpoint.events == 4
    purged = AuditEvent.objects.get(action=AuditAction.AUDIT_PURGED)
    assert purged.details["events"] == 4
    assert purged.details["through_seq"] == checkpoint.seq
    chain.seal()
    result = chain.verify(full=True)
    assert result.broken is None
    assert result.start.seq == checkpoint.seq
    assert AuditEvent.objects.filter(pk__in=[kept_before.pk, *(e.pk for e in kept)]).count() == 3


def test_an_event_kept_across_a_purge_is_still_checked(db: None) -> None:
    now = timezone.now()
    old = partitions.add_months(partitions.month_start(now), -40)
    partitions.ensure_partitions(now=old, ahead=0)
    kept = audit.record(None, AuditAction.REPORT_LISTED)
    _event_at(old)
    chain.seal()
    partitions.purge(months=36)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE sharing_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute("UPDATE sharing_auditevent SET actor_label = 'x' WHERE id = %s", [kept.pk])
        cursor.execute("ALTER TABLE sharing_auditevent ENABLE TRIGGER audit_event_append_only")

    with pytest.raises(CommandError, match=rf"\(id {kept.pk}, "):
        call_command("verify_audit", "--full", stdout=io.StringIO())


def test_nothing_is_purged_within_the_retention(db: None) -> None:
    audit.record(None, AuditAction.REPORT_LISTED)
    out = io.StringIO()
    call_command("purge_audit", stdout=out)
    assert out.getvalue().strip() == "Nothing to purge."
    assert not AuditCheckpoint.objects.filter(kind=CheckpointKind.PURGED).exists()
