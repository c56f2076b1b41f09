"""A grant computed concurrently with a suspension never resurrects access.

Publish takes share locks on the originator's agreements; suspension takes the row lock of its
agreement. Whichever commits first, the other sees its result.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import User
from sharing import services
from sharing.models import Agreement, Dissemination, Report
from tests.helpers import sees

Publish = Callable[..., Report]
WAIT = 20


@dataclass
class Contender:
    """A thread running `target` on its own connection; `pid` is that connection's backend."""

    thread: threading.Thread
    connected: threading.Event
    pid: int = 0


def _run(target: Callable[[], None], errors: list[BaseException]) -> Contender:
    contender = Contender(threading.Thread(daemon=True), threading.Event())

    def body() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (contender.pid,) = cursor.fetchone()
            contender.connected.set()
            target()
        except BaseException as exc:  # surfaced by the test thread
            errors.append(exc)
        finally:
            contender.connected.set()
            connection.close()

    contender.thread = threading.Thread(target=body, daemon=True)
    contender.thread.start()
    return contender


def _waits_on_a_lock(contender: Contender) -> bool:
    """Whether the contender's backend is seen waiting for a lock (row or advisory) in time.

    Read from pg_stat_activity, so a thread that is merely slow does not count as waiting.
    """
    assert contender.connected.wait(WAIT)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and contender.thread.is_alive():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %(pid)s",
                {"pid": contender.pid},
            )
            row = cursor.fetchone()
        if row is not None and row[0] == "Lock":
            return True
        time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
def test_suspension_waits_for_a_publish_in_flight_and_then_revokes_its_grant(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
) -> None:
    draft = publish(alpha_analyst, draft=True)
    granted, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def publisher() -> None:
        with transaction.atomic():
            services.publish_report(draft, actor=alpha_analyst)
            granted.set()
            assert release.wait(WAIT)

    def suspender() -> None:
        services.suspend_agreement(agreement_ab, actor=portal_admin, reason="race")

    first = _run(publisher, errors)
    assert granted.wait(WAIT)
    second = _run(suspender, errors)
    assert _waits_on_a_lock(second), "suspension must wait for the publish's agreement lock"
    release.set()
    first.thread.join(WAIT)
    second.thread.join(WAIT)
    assert not first.thread.is_alive()
    assert not second.thread.is_alive()
    assert not errors, errors

    assert not Report.objects.visible_to(bravo_analyst).filter(pk=draft.pk).exists()
    assert not Dissemination.objects.filter(
        report=draft, agreement=agreement_ab, revoked_at=None
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_publish_waits_for_a_suspension_in_flight_and_then_grants_nothing(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
) -> None:
    draft = publish(alpha_analyst, draft=True)
    suspended, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def suspender() -> None:
        with transaction.atomic():
            services.suspend_agreement(agreement_ab, actor=portal_admin, reason="race")
            suspended.set()
            assert release.wait(WAIT)

    def publisher() -> None:
        services.publish_report(draft, actor=alpha_analyst)

    first = _run(suspender, errors)
    assert suspended.wait(WAIT)
    second = _run(publisher, errors)
    assert _waits_on_a_lock(second), "publish must wait for the suspension's agreement lock"
    release.set()
    first.thread.join(WAIT)
    second.thread.join(WAIT)
    assert not first.thread.is_alive()
    assert not second.thread.is_alive()
    assert not errors, errors

    assert Report.objects.get(pk=draft.pk).state == "published"
    assert not Report.objects.visible_to(bravo_analyst).filter(pk=draft.pk).exists()
    assert not Dissemination.objects.filter(report=draft, agreement=agreement_ab).exists()


@pytest.mark.django_db(transaction=True)
def test_reactivation_waits_for_a_settlement_in_progress(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
) -> None:
    from sharing import access

    reports = [publish(alpha_analyst) for _ in range(3)]
    # Suspended and not yet settled, as between suspend_agreement's commit and its task (here
    # the task would run eagerly on commit, so the state is written directly).
    suspended_at = timezone.now()
    Agreement.objects.filter(pk=agreement_ab.pk).update(
        state="suspended",
        enforced=False,
        state_changed_at=suspended_at,
        unsettled_since=suspended_at,
    )
    first_batch, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def settler() -> None:
        def progress(done: int, total: int) -> None:
            if done == 1:
                first_batch.set()
                assert release.wait(WAIT)

        access.settle_agreement(agreement_ab.pk, batch=1, progress=progress)

    def reactivator() -> None:
        services.reactivate_agreement(agreement_ab, actor=portal_admin, reason="race")

    first = _run(settler, errors)
    assert first_batch.wait(WAIT)
    second = _run(reactivator, errors)
    assert _waits_on_a_lock(second), "reactivation must wait for the settlement holding the lock"
    release.set()
    first.thread.join(WAIT)
    second.thread.join(WAIT)
    assert not first.thread.is_alive()
    assert not second.thread.is_alive()
    assert not errors, errors

    agreement_ab.refresh_from_db()
    assert agreement_ab.enforced
    assert agreement_ab.unsettled_since is None
    for report in reports:
        assert sees(bravo_analyst, report)
        rows = Dissemination.objects.filter(report=report, agreement=agreement_ab)
        assert rows.filter(revoked_at=suspended_at).count() == 1
        assert rows.filter(revoked_at=None).count() == 1
