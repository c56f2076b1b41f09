"""Print the audit chain's signed head (sequence, hash), to ship outside the portal."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from sharing.audit import chain


class Command(BaseCommand):
    help = (
        "Seal what is pending, then print the chain's head as signed JSON (seq, hash, time, "
        "key id, signature) to keep where the portal's operators cannot rewrite it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        chain.seal()
        self.stdout.write(json.dumps(chain.anchor(), sort_keys=True))
