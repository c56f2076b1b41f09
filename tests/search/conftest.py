"""Fixtures of the search, correlation and lookup tests."""

from __future__ import annotations

import pytest

from sharing.constants import COMMON_VALUES
from sharing.models import CommonValue


@pytest.fixture
def stop_list(db: None) -> None:
    """The seeded stop-list (re-created when a transactional test flushed it)."""
    for kind, value, note in COMMON_VALUES:
        CommonValue.objects.get_or_create(type=kind, value=value, defaults={"note": note})
