"""API_THROTTLE_RATE per key (or per signed-in user), counted in the cache: 429 with Retry-After."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.core.cache import caches

from agencies.models import PartnerSystem, User
from tests.api.conftest import MakeKey, api, problem
from tests.helpers import signed_in

AGREEMENTS = "/api/v1/agreements/"
REDIS_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"


def test_a_key_over_its_rate_gets_429_with_retry_after(
    bravo_partner: PartnerSystem, make_key: MakeKey, settings: Any
) -> None:
    settings.API_THROTTLE_RATE = "2/min"
    client = api(make_key(bravo_partner))
    assert [client.get(AGREEMENTS).status_code for _ in range(2)] == [200, 200]
    response = client.get(AGREEMENTS)
    problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60


def test_each_key_has_its_own_allowance(
    bravo_partner: PartnerSystem, make_key: MakeKey, settings: Any
) -> None:
    settings.API_THROTTLE_RATE = "1/min"
    first, second = api(make_key(bravo_partner)), api(make_key(bravo_partner))
    assert first.get(AGREEMENTS).status_code == 200
    assert first.get(AGREEMENTS).status_code == 429
    assert second.get(AGREEMENTS).status_code == 200


def test_a_browser_session_is_limited_per_user(bravo_analyst: User, settings: Any) -> None:
    settings.API_THROTTLE_RATE = "1/min"
    client = signed_in(bravo_analyst)
    assert client.get(AGREEMENTS).status_code == 200
    problem(client.get(AGREEMENTS), 429)


@pytest.fixture
def redis_cache(settings: Any) -> Iterator[str]:
    """The default cache on Redis, as with CACHE_URL set, under a prefix of this test's own."""
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"bix-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield prefix
    for key in connection.scan_iter(f"{prefix}:*"):
        connection.delete(key)
    caches["default"].close()


def test_with_redis_the_count_is_kept_in_redis_for_every_process_to_share(
    redis_cache: str, bravo_partner: PartnerSystem, make_key: MakeKey, settings: Any
) -> None:
    settings.API_THROTTLE_RATE = "1/min"
    raw = make_key(bravo_partner)
    assert api(raw).get(AGREEMENTS).status_code == 200
    stored = list(redis.Redis.from_url(REDIS_URL).scan_iter(f"{redis_cache}:*throttle_api_*"))
    assert len(stored) == 1
    # A new connection, as another process would open, reads the same count from Redis.
    caches["default"].close()
    problem(api(raw).get(AGREEMENTS), 429)
