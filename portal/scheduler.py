"""Runs the periodic jobs of CELERY_BEAT_SCHEDULE in-process, for set-ups without a broker.

With a broker, Celery beat sends these jobs to workers. Without one (the embedded default)
nothing would run them, so an agreement would never come into force nor expire: this loop
runs each entry's task right here at its interval. One process in the whole deployment runs
the schedule: the holder of a PostgreSQL advisory lock; others wait and take over when the
holder goes (its session, and so its lock, ends with it). Jobs must stand a double run anyway
(a take-over can land mid-run); the agreement calendar does, under its row locks.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connections
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

# pg_try_advisory_lock(key): one fixed key for "runs the schedule" ("bixsched" in ASCII).
LOCK_KEY = 0x62_69_78_73_63_68_65_64
# How often a waiting scheduler asks for the lock.
STANDBY_POLL_SECONDS = 2.0


@dataclass
class Job:
    """One entry of the beat schedule: a task run every `every` seconds."""

    name: str
    task: str
    every: float
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    due: float = 0.0  # time.monotonic() of the next run; 0 = at once


def jobs_from_schedule(schedule: Mapping[str, Mapping[str, Any]]) -> list[Job]:
    """The schedule's entries as jobs; an entry this loop cannot keep stops start-up."""
    jobs = []
    for name, entry in schedule.items():
        every = entry["schedule"]
        if isinstance(every, dt.timedelta):
            seconds = every.total_seconds()
        elif isinstance(every, int | float) and not isinstance(every, bool):
            seconds = float(every)
        else:
            raise ImproperlyConfigured(
                f"CELERY_BEAT_SCHEDULE[{name!r}]: the scheduler keeps fixed intervals "
                f"(seconds or a timedelta), not {every!r}; run Celery beat for this schedule."
            )
        if seconds <= 0:
            raise ImproperlyConfigured(f"CELERY_BEAT_SCHEDULE[{name!r}]: interval must be > 0.")
        jobs.append(
            Job(
                name=name,
                task=entry["task"],
                every=seconds,
                args=tuple(entry.get("args", ())),
                kwargs=dict(entry.get("kwargs", {})),
            )
        )
    return jobs


class _ScheduleLock:
    """The advisory lock, held on a connection of its own for as long as this process runs."""

    def __init__(self) -> None:
        self._connection: BaseDatabaseWrapper | None = None

    def acquire(self) -> bool:
        try:
            if self._connection is None:
                self._connection = connections.create_connection("default")
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
                row = cursor.fetchone()
        except Exception:  # the database is down: keep waiting, as a standby would
            logger.exception("scheduler: cannot ask for the schedule lock")
            self.release()
            return False
        return bool(row and row[0])

    def still_held(self) -> bool:
        """Whether the session holding the lock is alive (a dropped session lost it)."""
        if self._connection is None:
            return False
        try:
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception:
            logger.exception("scheduler: lost the connection that held the schedule lock")
            self.release()
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            # Closing the session releases the lock.
            try:
                self._connection.close()
            except Exception:  # already broken
                logger.debug("scheduler: closing the lock connection failed", exc_info=True)
            self._connection = None


def run_job(job: Job) -> None:
    """Run one job's task here, as a worker would; a failure is logged, never fatal."""
    from portal.celery import app

    try:
        result = app.tasks[job.task].apply(args=job.args, kwargs=job.kwargs, throw=True).get()
    except Exception:
        logger.exception("scheduler: %s (%s) failed", job.name, job.task)
    else:
        if result:
            logger.info("scheduler: %s: %s", job.name, result)
        else:
            logger.debug("scheduler: %s ran: nothing to do", job.name)
    finally:
        # As Celery's Django fixup does around tasks: drop a connection a failure broke.
        close_old_connections()


def run(jobs: list[Job], stop: threading.Event) -> None:
    """Run the jobs at their intervals until `stop` is set, while holding the schedule lock."""
    from portal.celery import app

    if not jobs:
        raise ImproperlyConfigured("CELERY_BEAT_SCHEDULE is empty: nothing to schedule.")
    app.loader.import_default_modules()  # registers the tasks the schedule names
    unknown = [job.task for job in jobs if job.task not in app.tasks]
    if unknown:
        raise ImproperlyConfigured(f"CELERY_BEAT_SCHEDULE names unknown tasks: {unknown}")
    lock = _ScheduleLock()
    holding = waiting_said = False
    try:
        while not stop.is_set():
            if not holding:
                holding = lock.acquire()
                if not holding:
                    if not waiting_said:
                        logger.info("scheduler: another scheduler runs the schedule; waiting")
                        waiting_said = True
                    stop.wait(STANDBY_POLL_SECONDS)
                    continue
                logger.info(
                    "scheduler: running %s", ", ".join(f"{j.name} every {j.every:g}s" for j in jobs)
                )
                waiting_said = False
                for job in jobs:
                    job.due = 0.0  # a scheduler that takes over catches up at once
            now = time.monotonic()
            due = [job for job in jobs if job.due <= now]
            if due and not (holding := lock.still_held()):
                continue
            for job in due:
                if stop.is_set():
                    break
                run_job(job)
                job.due = time.monotonic() + job.every
            next_due = min(job.due for job in jobs)
            stop.wait(max(0.0, next_due - time.monotonic()))
    finally:
        lock.release()
        connections.close_all()
