"""run_scheduler: the beat schedule run in-process, without a broker (see portal.scheduler)."""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from portal import scheduler


class Command(BaseCommand):
    help = (
        "Run the periodic jobs of CELERY_BEAT_SCHEDULE (the agreement calendar) in this process "
        "at their intervals, for set-ups without a broker. One scheduler per database runs them; "
        "others wait and take over."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stop-with-parent",
            action="store_true",
            help="Exit when the process that started this one exits (how `make run` uses it).",
        )

    def handle(self, *args: Any, stop_with_parent: bool, **options: Any) -> None:
        if settings.CELERY_BROKER_URL:
            # Not an error: `make run` starts this whatever the configuration.
            self.stderr.write(
                "A broker is configured (CELERY_BROKER_URL): Celery beat runs the schedule "
                "(`make worker`, or the compose `beat` service); this scheduler is not needed."
            )
            return
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        if stop_with_parent:
            _watch_parent(stop)
        scheduler.run(scheduler.jobs_from_schedule(settings.CELERY_BEAT_SCHEDULE), stop)


def _watch_parent(stop: threading.Event) -> None:
    """Set `stop` once this process is re-parented: the one that started it has gone."""
    parent = os.getppid()

    def watch() -> None:
        while not stop.wait(1.0):
            if os.getppid() != parent:
                stop.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
