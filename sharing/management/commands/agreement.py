"""manage.py agreement: run an agreement lifecycle change from the shell, with progress."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from sharing import services
from sharing.audit import RequestContext
from sharing.dissemination import SyncResult
from sharing.models import Agreement, AuditChannel

ACTIONS = ("activate", "suspend", "reactivate", "terminate", "show")


class Command(BaseCommand):
    help = "Activate, suspend, reactivate or terminate an agreement; grants follow at once."

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
        self.stdout.write(
            f"{agreement.reference} is now {agreement.state}: {result.granted} grants written,"
            f" {result.revoked} revoked."
        )

    def _show(self, agreement: Agreement) -> None:
        parties = ", ".join(c.code for c in agreement.parties.all())
        categories = ", ".join(c.name for c in agreement.categories.all())
        live = agreement.disseminations.filter(revoked_at__isnull=True).count()
        self.stdout.write(
            f"{agreement} — {agreement.state}\n  parties: {parties}\n  categories: {categories}\n"
            f"  max marking: {agreement.get_max_tlp_display()}\n"
            f"  valid: {agreement.valid_from} to {agreement.valid_until or 'open-ended'}\n"
            f"  live grants: {live}"
        )
