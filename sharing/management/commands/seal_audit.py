"""Seal every committed audit event now (beat and run_scheduler do it every few seconds)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sharing.audit import chain


class Command(BaseCommand):
    help = "Seal committed audit events into the hash chain now."

    def handle(self, *args: Any, **options: Any) -> None:
        sealed = chain.seal()
        current = chain.head()
        self.stdout.write(f"Sealed {sealed} events; head seq {current.seq} {current.hash}.")
