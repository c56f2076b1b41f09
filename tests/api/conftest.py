"""Keys and clients for the REST API tests (the cast comes from tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from agencies.models import Agency, PartnerSystem, Scope
from agencies.services import create_api_key, create_partner_system
from sharing.models import AuditAction
from tests.helpers import denials as all_denials

MakeKey = Callable[..., str]


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def alpha_partner(alpha: Agency) -> PartnerSystem:
    return create_partner_system(actor=None, agency=alpha, name="Alpha case system")


@pytest.fixture
def make_key(db: None) -> MakeKey:
    """A clear key for `partner`: read scope unless told, expiring in a year unless told."""

    def make(
        partner: PartnerSystem, scope: str = Scope.READ, expires_at: dt.datetime | None = None
    ) -> str:
        _, raw = create_api_key(
            partner,
            name=f"{partner.name} {scope}",
            scope=scope,
            expires_at=expires_at or timezone.now() + dt.timedelta(days=365),
            actor=None,
        )
        return raw

    return make


def api(raw_key: str | None = None, *, scheme: str = "Api-Key", **kwargs: Any) -> Client:
    """A client that sends `raw_key` in the Authorization header on every request."""
    headers = {"Authorization": f"{scheme} {raw_key}"} if raw_key is not None else {}
    return Client(headers=headers, **kwargs)


def denials(**details: Any) -> Any:
    """Audited refusals whose details contain `details`."""
    # Read on the connection that wrote them (see tests.helpers.denials).
    events = all_denials().filter(action=AuditAction.ACCESS_DENIED)
    for name, value in details.items():
        events = events.filter(**{f"details__{name}": value})
    return events


def problem(response: Any, status: int) -> dict[str, Any]:
    """The problem+json body of `response`, after checking its status and media type."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "instance"} <= body.keys()
    assert "Traceback" not in response.content.decode()
    return body
