"""System checks of the audit record's settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning


def chain_key_check(**kwargs: Any) -> list[CheckMessage]:
    if settings.AUDIT_CHAIN_KEY_DERIVED and not settings.DEBUG:
        return [
            Warning(
                "AUDIT_CHAIN_KEY is not set: the audit chain's key is derived from SECRET_KEY, "
                "so rotating SECRET_KEY would make every sealed event fail verification.",
                hint="Set AUDIT_CHAIN_KEY or AUDIT_CHAIN_KEY_FILE and keep a copy of the key.",
                id="sharing.W001",
            )
        ]
    return []
