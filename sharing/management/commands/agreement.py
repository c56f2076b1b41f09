"""manage.py agreement: run an agreement lifecycle change from the shell, with progress."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from sharing import services
from sharing.access import SyncResult
from sharing.audit import RequestContext
from sharing.models import Agreement, AuditChannel

ACTIONS = ("activate", "suspend", "reactivate", "terminate", "show")


class Command(BaseCommand):
    help = "Activate, suspend, reactivate or terminate an agreement; access follows at once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=ACTIONS)
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
        action: str = options["action"]
        if action == "show":
            self._show(agreement)
            return
        bar = tqdm(total=0, unit="batch", desc=f"{action} {agreement.reference}", disable=None)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        context = RequestContext(channel=AuditChannel.COMMAND)
        common: dict[str, Any] = {"actor": None, "progress": progress, "context": context}
        try:
            result: SyncResult
            match action:
                case "activate":
                    result = services.activate_agreement(
                        agreement, share_existing=options["share_existing"], **common
                    )
                case "suspend":
                    result = services.suspend_agreement(
                        agreement, reason=options["reason"], **common
                    )
                case "reactivate":
                    result = services.reactivate_agreement(
                        agreement, reason=options["reason"], **common
                    )
                case _:
                    result = services.terminate_agreement(
                        agreement, reason=options["reason"], **common
                    )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        finally:
            bar.close()
        agreement.refresh_from_db()
        now = f"{agreement.reference} is now {agreement.state}"
        if agreement.enforced:
            self.stdout.write(f"{now}: {result.granted} grants written, {result.revoked} revoked.")
        elif agreement.unsettled_since is not None:
            ended = f"{agreement.unsettled_since:%Y-%m-%d %H:%M:%S} UTC"
            self.stdout.write(f"{now}; access under it ended at {ended}.")
            self._settle(agreement)
        else:
            self.stdout.write(f"{now}; nothing is shared under it.")

    def _settle(self, agreement: Agreement) -> None:
        """Settle here, with progress, unless a worker already has (then nothing is left)."""
        bar = tqdm(total=0, unit="row", desc=f"settle {agreement.reference}", disable=None)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            settlement = services.settle_agreement(agreement.pk, progress=progress)
        finally:
            bar.close()
        if settlement is None:
            self.stdout.write("Already settled by the worker.")
        else:
            self.stdout.write(
                f"Settled: {settlement.revoked} revoked as of that instant,"
                f" {settlement.grants_removed} grants removed."
            )

    def _show(self, agreement: Agreement) -> None:
        parties = ", ".join(c.code for c in agreement.parties.all())
        categories = ", ".join(c.name for c in agreement.categories.all())
        live = agreement.disseminations.filter(revoked_at__isnull=True).count()
        settling = ""
        if agreement.unsettled_since is not None:
            ended = f"{agreement.unsettled_since:%Y-%m-%d %H:%M:%S} UTC"
            settling = f" (access ended at {ended}; the record is being settled)"
        self.stdout.write(
            f"{agreement} — {agreement.state}\n  parties: {parties}\n  categories: {categories}\n"
            f"  max marking: {agreement.get_max_tlp_display()}\n"
            f"  valid: {agreement.valid_from} to {agreement.valid_until or 'open-ended'}\n"
            f"  in force: {'yes' if agreement.enforced else 'no'}{settling}\n"
            f"  live grants: {live}"
        )
