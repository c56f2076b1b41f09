"""A task makes a real round trip through Redis and a Celery worker process."""

from __future__ import annotations

import uuid

import pytest

from portal.celery import ping


@pytest.mark.worker
def test_task_round_trips_through_a_real_worker(celery_worker: str) -> None:
    token = uuid.uuid4().hex
    result = ping.apply_async(args=(token,), queue=celery_worker, ignore_result=False)
    assert result.get(timeout=60) == token
    assert result.state == "SUCCESS"
