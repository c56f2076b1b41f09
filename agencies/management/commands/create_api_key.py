"""manage.py create_api_key: issue a partner-system key; the clear key is the last line printed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from agencies.models import Agency, PartnerSystem, Scope
from agencies.services import create_api_key, create_partner_system
from sharing.audit import command_context


class Command(BaseCommand):
    help = "Create an API key for a partner system of an agency (created if missing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", required=True, help="Agency code or numeric id.")
        parser.add_argument("--name", required=True, help="Partner system name, e.g. 'MISP'.")
        parser.add_argument("--scope", choices=Scope.values, default=Scope.READ)
        parser.add_argument(
            "--expires-in-days", type=int, default=365, help="0 for a key that never expires."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ident: str = options["agency"]
        lookup = {"pk": int(ident)} if ident.isdigit() else {"code": ident}
        try:
            agency = Agency.objects.get(**lookup)
        except Agency.DoesNotExist as exc:
            raise CommandError(f"No agency with code or id {ident!r}.") from exc
        days: int = options["expires_in_days"]
        if days < 0:
            raise CommandError("--expires-in-days must be 0 or more.")
        expires = timezone.now() + dt.timedelta(days=days) if days else None
        context = command_context()
        try:
            partner = PartnerSystem.objects.filter(agency=agency, name=options["name"]).first()
            if partner is None:
                partner = create_partner_system(
                    actor=None, agency=agency, name=options["name"], context=context
                )
            key, raw = create_api_key(
                partner,
                name=options["name"],
                scope=options["scope"],
                expires_at=expires,
                actor=None,
                context=context,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        expiry = f"expires {key.expiry_date:%Y-%m-%d}" if key.expiry_date else "never expires"
        self.stdout.write(f"Partner system {partner} · scope {key.scope} · {expiry}")
        self.stdout.write("Store this key now; it is shown only once:")
        self.stdout.write(raw)
