"""Drop the audit record's months older than the retention period, keeping the chain verifiable."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sharing import audit
from sharing.audit import partitions
from sharing.models import AuditAction


class Command(BaseCommand):
    help = (
        "Drop whole months of audit events older than AUDIT_RETENTION_MONTHS (or --months), "
        "after sealing them and recording the checkpoint verification resumes from."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--months",
            type=int,
            default=None,
            help="Months to keep (default: AUDIT_RETENTION_MONTHS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = partitions.purge(months=options["months"])
        if not result.partitions:
            self.stdout.write("Nothing to purge.")
            return
        audit.record(
            None,
            AuditAction.AUDIT_PURGED,
            details={
                "partitions": result.partitions,
                "events": result.events,
                "through_seq": result.checkpoint_seq,
            },
        )
        self.stdout.write(
            f"Purged {result.events} events ({', '.join(result.partitions)}); "
            f"verification resumes after seq {result.checkpoint_seq}."
        )
