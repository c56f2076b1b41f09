"""Thin Celery tasks: they take ids or dates, re-fetch, and call a service."""

from __future__ import annotations

from celery import shared_task

from sharing.audit import chain, partitions
from sharing.services import apply_agreement_calendar as _apply_calendar
from sharing.services import settle_agreement as _settle


@shared_task(name="sharing.tasks.apply_agreement_calendar")
def apply_agreement_calendar() -> list[tuple[str, str]]:
    """Beat: expire agreements after valid_until and bring them into force at valid_from."""
    return _apply_calendar()


@shared_task(name="sharing.tasks.settle_agreement")
def settle_agreement(agreement_id: int) -> dict[str, int] | None:
    """After an agreement came into force or left it: write its record and grants, in batches."""
    settlement = _settle(agreement_id)
    if settlement is None:
        return None
    return {
        "revoked": settlement.revoked,
        "granted": settlement.granted,
        "ended": settlement.ended,
        "grants_added": settlement.grants_added,
        "grants_removed": settlement.grants_removed,
    }


@shared_task(name="sharing.tasks.seal_audit")
def seal_audit() -> int:
    """Beat: seal committed audit events into the hash chain (one sealer at a time)."""
    return chain.seal()


@shared_task(name="sharing.tasks.ensure_audit_partitions")
def ensure_audit_partitions() -> list[str]:
    """Beat, daily: create the audit record's partitions of this month and the next ones."""
    return partitions.ensure_partitions()
