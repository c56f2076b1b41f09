"""The demo's clock: the seed writes a year of reports as if each was written when planned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock


@contextmanager
def as_of(instant: dt.datetime) -> Iterator[None]:
    """Within the block, Django's `timezone.now()` (and so `localdate()`) is `instant`.

    The services stamp publications, grants, Dissemination rows, versions and audit events
    with `timezone.now()`; run as of a past instant they write the record a real publication
    then would have written, consistently across all of them (a report's `published_at`
    updated afterwards would disagree with the copies its grants and rows carry). Used by
    seed_demo only, never by the portal.
    """
    with mock.patch("django.utils.timezone.now", return_value=instant):
        yield
