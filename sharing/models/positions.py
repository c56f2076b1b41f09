"""Change positions: the id of the transaction that wrote a row, for feeds to read in order."""

from __future__ import annotations

from typing import Any

from django.db import models

# For hand-written statements (a revocation sets revoked_xid to it).
CURRENT_TRANSACTION_SQL = "(pg_current_xact_id()::text::bigint)"


class CurrentTransaction(models.Func):
    """`pg_current_xact_id()` as a bigint: the 64-bit id of the writing transaction.

    Stamped on the rows feeds read (grants, Dissemination grants and revocations). Unlike a
    sequence value it says which transaction wrote the row, so a reader can stop below the
    oldest transaction still in flight (sharing.feeds) and never pass a row committed later.
    """

    template = CURRENT_TRANSACTION_SQL
    output_field = models.BigIntegerField()

    def __init__(self, **extra: Any) -> None:
        super().__init__(**extra)
