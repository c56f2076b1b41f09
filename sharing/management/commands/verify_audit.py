"""Verify the audit record's hash chain; exit non-zero naming the first event that fails."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sharing.audit import chain


class Command(BaseCommand):
    help = (
        "Verify the audit hash chain from the last checkpoint (--full: from the start). "
        "Exits 1 and names the first broken event if the record was altered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help="Verify from the first event kept, not from the last verified checkpoint.",
        )
        parser.add_argument(
            "--no-checkpoint",
            action="store_true",
            help="Do not record a checkpoint after a successful run.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = chain.verify(full=options["full"], record_checkpoint=not options["no_checkpoint"])
        if result.broken is not None:
            raise CommandError(f"Audit chain broken at {result.broken}.")
        self.stdout.write(
            f"Audit chain verified: {result.checked} events from seq {result.start.seq + 1} "
            f"to {result.end.seq}; head {result.end.hash}; {result.unsealed} not sealed yet."
        )
