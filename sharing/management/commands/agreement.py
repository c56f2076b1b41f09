"""manage.py agreement: run an agreement lifecycle change from the shell, with progress."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from sharing import services
from sharing.access import Progress
from sharing.audit import command_context
from sharing.models import Agreement, AgreementChange

# Amendments take terms the admin's form collects; the shell offers the state changes.
STATE_CHANGES = [change for change in AgreementChange if change != AgreementChange.AMEND]
SHOW = "show"


@contextmanager
def progress_bar(description: str, unit: str) -> Iterator[Progress]:
    """A progress callback (done, total) drawing a bar on a terminal, closed on the way out."""
    bar = tqdm(total=0, unit=unit, desc=description, disable=None)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield progress
    finally:
        bar.close()


class Command(BaseCommand):
    help = (
        "Activate, suspend, reactivate or terminate an agreement (access follows on the"
        " partners' next request), then settle its record here; or show it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=[*(c.value for c in STATE_CHANGES), SHOW])
        parser.add_argument("reference", help="The agreement's legal reference.")
        parser.add_argument("--reason", default="", help="Recorded in the audit trail.")
        parser.add_argument(
            "--share-existing",
            action="store_true",
            help="On activation, also share reports published since valid_from.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            agreement = Agreement.objects.get(reference=options["reference"])
        except Agreement.DoesNotExist as exc:
            raise CommandError(f"No agreement with reference {options['reference']!r}.") from exc
        if options["action"] == SHOW:
            self._show(agreement)
            return
        change = AgreementChange(options["action"])
        extra = {"share_existing": options["share_existing"]}
        try:
            with progress_bar(f"{change.label.lower()} {agreement.reference}", "batch") as bar:
                result = services.apply_change(
                    change,
                    agreement,
                    actor=None,
                    reason=options["reason"],
                    progress=bar,
                    context=command_context(),
                    **(extra if change == AgreementChange.ACTIVATE else {}),
                )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        agreement.refresh_from_db()
        now = f"{agreement.reference} is now {agreement.state}"
        note = agreement.settlement_note()
        if note:
            self.stdout.write(f"{now}; {note}.")
            self._settle(agreement)
        elif agreement.enforced:
            self.stdout.write(f"{now}: {result.granted} grants written, {result.revoked} revoked.")
        else:
            self.stdout.write(f"{now}; nothing is shared under it.")

    def _settle(self, agreement: Agreement) -> None:
        """Settle here, with progress, unless a worker already has (then nothing is left)."""
        with progress_bar(f"settle {agreement.reference}", "batch") as bar:
            settlement = services.settle_agreement(agreement.pk, progress=bar)
        if settlement is None:
            self.stdout.write("Already settled by the worker.")
            return
        if settlement.unsettled_since is not None:
            self.stdout.write(
                f"Settled: {settlement.revoked} revoked as of"
                f" {settlement.unsettled_since:%Y-%m-%d %H:%M:%S} UTC."
            )
        if settlement.pending_since is not None:
            ended = settlement.pending_until
            until = f" and revoked as of {ended:%Y-%m-%d %H:%M:%S} UTC" if ended else ""
            self.stdout.write(
                f"Recorded: {settlement.granted} granted as of"
                f" {settlement.pending_since:%Y-%m-%d %H:%M:%S} UTC{until}."
            )
        self.stdout.write(
            f"Grants: {settlement.grants_added} added, {settlement.grants_removed} removed."
        )

    def _show(self, agreement: Agreement) -> None:
        parties = ", ".join(c.code for c in agreement.parties.all())
        categories = ", ".join(c.name for c in agreement.categories.all())
        live = agreement.disseminations.filter(revoked_at__isnull=True).count()
        note = agreement.settlement_note()
        self.stdout.write(
            f"{agreement} — {agreement.state}\n  parties: {parties}\n  categories: {categories}\n"
            f"  max marking: {agreement.get_max_tlp_display()}\n"
            f"  valid: {agreement.valid_from} to {agreement.valid_until or 'open-ended'}\n"
            f"  in force: {'yes' if agreement.is_in_force(timezone.localdate()) else 'no'}"
            + (f" ({note})" if note else "")
            + f"\n  live grants: {live}"
        )
