"""Without a broker, `manage.py run_scheduler` keeps the agreement calendar: time moves on.

The scheduler runs as a real process against the test database, configured as the embedded
default is (no broker). Time passes by moving the agreements' dates one day back, as a day
going by would, never by changing a clock.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from agencies.models import Country, User
from sharing.models import Agreement, AgreementState, Category, Dissemination, Report
from tests.helpers import sees
from tests.portal.processes import ROOT, Running, clean_environment, database_url, wait_until

INTERVAL = 5  # seconds: AGREEMENT_CALENDAR_INTERVAL's minimum

pytestmark = pytest.mark.django_db(transaction=True)


def _scheduler() -> Running:
    env = clean_environment(
        DATABASE_URL=database_url(),
        DEBUG="true",
        AGREEMENT_CALENDAR_INTERVAL=str(INTERVAL),
        LOG_LEVEL="DEBUG",
    )
    # --stop-with-parent: none is left behind should this test run be killed.
    return Running([sys.executable, "manage.py", "run_scheduler", "--stop-with-parent"], env=env)


def _a_day_passes(agreement: Agreement) -> None:
    day = dt.timedelta(days=1)
    agreement.refresh_from_db()
    Agreement.objects.filter(pk=agreement.pk).update(
        valid_from=agreement.valid_from - day,
        valid_until=agreement.valid_until - day if agreement.valid_until else None,
        shares_from=agreement.shares_from - day if agreement.shares_from else None,
    )


def test_scheduler_brings_an_agreement_into_force_and_expires_another_without_a_broker(
    make_agreement: Callable[..., Agreement],
    publish: Callable[..., Report],
    alpha_analyst: User,
    bravo_analyst: User,
    charlie_analyst: User,
    country_a: Country,
    country_b: Country,
    country_c: Country,
    drugs: Category,
) -> None:
    today = timezone.localdate()
    ending = make_agreement([country_a, country_b], [drugs], valid_until=today)
    starting = make_agreement(
        [country_a, country_c], [drugs], valid_from=today + dt.timedelta(days=1)
    )
    report = publish(alpha_analyst)
    assert sees(bravo_analyst, report)
    assert not sees(charlie_analyst, report)

    scheduler = _scheduler()
    try:
        scheduler.wait_for("apply-agreement-calendar ran", timeout=60)
        # Its first run changed nothing: the dates have not come yet.
        starting.refresh_from_db()
        ending.refresh_from_db()
        assert not starting.enforced
        assert ending.state == AgreementState.ACTIVE

        _a_day_passes(starting)
        _a_day_passes(ending)

        def calendar_kept() -> bool:
            starting.refresh_from_db()
            ending.refresh_from_db()
            return (
                starting.enforced
                and ending.state == AgreementState.EXPIRED
                and ending.unsettled_since is None
            )

        assert wait_until(calendar_kept, timeout=INTERVAL * 6), scheduler.output()
    finally:
        assert scheduler.stop() == 0, scheduler.output()
    assert sees(charlie_analyst, report)
    assert not sees(bravo_analyst, report)
    # Settled: the record of the expired agreement's disseminations is closed.
    assert Dissemination.objects.filter(agreement=ending).exists()
    assert not Dissemination.objects.filter(agreement=ending, revoked_at__isnull=True).exists()


def test_second_scheduler_waits_and_takes_over_when_the_first_stops() -> None:
    first = _scheduler()
    second = None
    try:
        first.wait_for("scheduler: running apply-agreement-calendar", timeout=60)
        second = _scheduler()
        second.wait_for("another scheduler runs the schedule; waiting", timeout=60)
        assert first.stop() == 0, first.output()
        second.wait_for("scheduler: running apply-agreement-calendar", timeout=30)
        second.wait_for("apply-agreement-calendar ran", timeout=30)
    finally:
        first.stop()
        if second is not None:
            assert second.stop() == 0, second.output()


def test_scheduler_started_for_a_process_stops_when_that_process_exits() -> None:
    # As under `make run`: the shell that started it goes, without stopping it first.
    env = clean_environment(DATABASE_URL=database_url(), DEBUG="true", LOG_LEVEL="DEBUG")
    parent = Running(
        [
            "bash",
            "-c",
            f'"{sys.executable}" manage.py run_scheduler --stop-with-parent & echo "pid $!"; '
            "sleep 60",
        ],
        env=env,
    )
    try:
        pid = int(parent.wait_for("pid ", timeout=10).split()[1])
        parent.wait_for("apply-agreement-calendar ran", timeout=60)
        parent.process.kill()  # no trap, no chance to pass anything on
        parent.process.wait()
        assert wait_until(lambda: not _alive(pid), timeout=15), f"scheduler {pid} still runs"
    finally:
        parent.stop()


def _alive(pid: int) -> bool:
    result = subprocess.run(  # noqa: S603
        ["ps", "-o", "stat=", "-p", str(pid)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0 and not result.stdout.strip().startswith("Z")


def test_scheduler_refuses_a_schedule_it_cannot_keep() -> None:
    from celery.schedules import crontab

    from portal.scheduler import jobs_from_schedule

    with pytest.raises(ImproperlyConfigured, match="fixed intervals"):
        jobs_from_schedule({"nightly": {"task": "portal.ping", "schedule": crontab(hour=3)}})
    [job] = jobs_from_schedule({"every-minute": {"task": "portal.ping", "schedule": 60}})
    assert (job.task, job.every) == ("portal.ping", 60.0)


def test_scheduler_leaves_the_schedule_to_celery_beat_when_a_broker_is_configured() -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "run_scheduler"],
        cwd=ROOT,
        env=clean_environment(
            DATABASE_URL=database_url(), DEBUG="true", CELERY_BROKER_URL="redis://127.0.0.1:1/0"
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Celery beat runs the schedule" in result.stderr
