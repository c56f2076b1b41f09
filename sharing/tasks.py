"""Thin Celery tasks: they take ids or dates, re-fetch, and call a service."""

from __future__ import annotations

from celery import shared_task

from sharing.services import apply_agreement_calendar as _apply_calendar


@shared_task(name="sharing.tasks.apply_agreement_calendar")
def apply_agreement_calendar() -> list[tuple[str, str]]:
    """Beat: expire agreements after valid_until and bring them into force at valid_from."""
    return _apply_calendar()
