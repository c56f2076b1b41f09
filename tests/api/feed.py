"""A partner system following GET /api/v1/feed/ as the docs tell it to: the tests' client."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from django.db import connection

from agencies.models import PartnerAPIKey
from sharing.access import forget
from sharing.feeds import decode
from sharing.models import Report
from tests.api.conftest import api


def key_of(raw_key: str) -> PartnerAPIKey:
    key: PartnerAPIKey = PartnerAPIKey.objects.get(prefix=raw_key.partition(".")[0])
    return key


def visible_now(raw_key: str) -> dict[str, int]:
    """What the key may see now, as a partner's copy holds it: public id -> version."""
    key = key_of(raw_key)
    forget(key)
    return {
        str(uuid): version
        for uuid, version in Report.objects.visible_to(key)
        .published()
        .values_list("uuid", "version")
    }


class Follower:
    """Pulls every page, applies reports and tombstones to its copy, keeps the cursor."""

    def __init__(self, raw_key: str, page_size: int = 1000) -> None:
        self.client = api(raw_key)
        self.key = key_of(raw_key)
        self.page_size = page_size
        self.cursor: str | None = None
        self.copy: dict[str, int] = {}  # public id -> version held
        self.pages = 0

    def pull(self, *, wait: bool = True) -> list[dict[str, Any]]:
        """Follow `next` until caught up with everything committed before the call.

        The feed stops below the oldest transaction in flight in the database, so a poll may
        stop short while another one runs (an autovacuum's analyze, a test's other thread);
        `wait` polls again until the feed has passed every transaction committed before.
        """
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
            (committed_below,) = cursor.fetchone()
        entries = self._follow()
        deadline = time.monotonic() + 30
        while wait and self._position() < committed_below - 1:
            assert time.monotonic() < deadline, "the feed stayed behind a transaction"
            time.sleep(0.05)
            entries += self._follow()
        return entries

    def _position(self) -> int:
        assert self.cursor is not None
        return decode(self.cursor, f"key:{self.key.pk}").xid

    def _follow(self) -> list[dict[str, Any]]:
        """Follow `next` until the feed says it is caught up; every entry seen, in order."""
        query = {"page_size": self.page_size}
        if self.cursor:
            query["cursor"] = self.cursor  # type: ignore[assignment]
        url = f"/api/v1/feed/?{urlencode(query)}"
        entries: list[dict[str, Any]] = []
        while True:
            response = self.client.get(url)
            assert response.status_code == 200, response.content
            body = response.json()
            assert set(body) == {"results", "next", "cursor"}
            self.pages += 1
            for entry in body["results"]:
                if entry.get("deleted"):
                    self.copy.pop(entry["id"], None)
                else:
                    self.copy[entry["id"]] = entry["version"]
            entries += body["results"]
            self.cursor = body["cursor"]
            if body["next"] is None:
                return entries
            assert body["next"].startswith("http://testserver/api/v1/feed/?")
            url = body["next"]
