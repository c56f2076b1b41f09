"""Settings of the REST API and the cache come from the environment and fail loudly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.portal.test_settings import ROOT, _load_settings


def test_a_cache_url_that_is_not_redis_is_refused() -> None:
    result = _load_settings(DEBUG="true", CACHE_URL="memcached://127.0.0.1:11211")
    assert result.returncode != 0
    assert "CACHE_URL must be a Redis URL" in result.stderr


def test_a_throttle_rate_that_is_not_a_rate_is_refused() -> None:
    result = _load_settings(DEBUG="true", API_THROTTLE_RATE="lots")
    assert result.returncode != 0
    assert "API_THROTTLE_RATE='lots' is not a rate" in result.stderr


@pytest.mark.parametrize(
    ("cache_url", "backend"), [("redis://127.0.0.1:6379/1", "RedisCache"), ("", "LocMemCache")]
)
def test_cache_url_puts_the_cache_on_redis_and_its_absence_in_process_memory(
    cache_url: str, backend: str
) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings;"
        " print(settings.CACHES['default']['BACKEND'])"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            "DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "CACHE_URL": cache_url,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(f".{backend}")
