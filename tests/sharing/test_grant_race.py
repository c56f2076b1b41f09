"""A grant computed concurrently with a suspension never resurrects access.

Publish takes share locks on the originator's agreements; suspension takes the row lock of its
agreement. Whichever commits first, the other sees its result.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import User
from sharing import services
from sharing.models import Agreement, Dissemination, Report
from tests.helpers import sees

Publish = Callable[..., Report]
WAIT = 20


class Contender(threading.Thread):
    """A thread running `target` on its own connection; `pid` is that connection's backend."""

    def __init__(self, target: Callable[[], object], errors: list[BaseException]) -> None:
        super().__init__(daemon=True)
        self.work, self.errors = target, errors
        self.pid = 0
        self.connected = threading.Event()

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (self.pid,) = cursor.fetchone()
            self.connected.set()
            self.work()
        except BaseException as exc:  # surfaced by the test thread
            self.errors.append(exc)
        finally:
            self.connected.set()
            connection.close()


def _run(target: Callable[[], object], errors: list[BaseException]) -> Contender:
    thread = Contender(target, errors)
    thread.start()
    return thread


def _waits_on_a_lock(contender: Contender) -> bool:
    """Whether the contender's backend is seen waiting for a lock (row or advisory) in time.

    Read from pg_stat_activity, so a thread that is merely slow does not count as waiting.
    """
    assert contender.connected.wait(WAIT)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and contender.is_alive():
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
    first.join(WAIT)
    second.join(WAIT)
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
    first.join(WAIT)
    second.join(WAIT)
    assert not errors, errors

    assert Report.objects.get(pk=draft.pk).state == "published"
    assert not Report.objects.visible_to(bravo_analyst).filter(pk=draft.pk).exists()
    assert not Dissemination.objects.filter(report=draft, agreement=agreement_ab).exists()


def _paused_settlement(
    agreement: Agreement, errors: list[BaseException]
) -> tuple[threading.Thread, threading.Event, threading.Event]:
    """A settlement of one report id per batch, paused after its first batch committed."""
    from sharing import access

    first_batch, release = threading.Event(), threading.Event()

    def progress(done: int, total: int) -> None:
        if done == 1:
            first_batch.set()
            assert release.wait(WAIT)

    def settle() -> None:
        access.settle_agreement(agreement.pk, batch_ids=1, progress=progress)

    thread = _run(settle, errors)
    assert first_batch.wait(WAIT)
    return thread, first_batch, release


@pytest.mark.django_db(transaction=True)
def test_reactivation_during_a_settlement_returns_at_once_and_the_record_comes_out_right(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
    broker_down: None,
) -> None:
    reports = [publish(alpha_analyst) for _ in range(3)]
    # Suspended and not yet settled, as between suspend_agreement's commit and its task.
    suspended_at = timezone.now()
    Agreement.objects.filter(pk=agreement_ab.pk).update(
        state="suspended",
        enforced=False,
        state_changed_at=suspended_at,
        unsettled_since=suspended_at,
    )
    errors: list[BaseException] = []
    settler, _, release = _paused_settlement(agreement_ab, errors)

    reactivator = _run(
        lambda: services.reactivate_agreement(agreement_ab, actor=portal_admin, reason="race"),
        errors,
    )
    reactivator.join(WAIT)
    assert not reactivator.is_alive(), "reactivation must not wait for a whole settlement"
    assert all(sees(bravo_analyst, report) for report in reports)

    release.set()
    settler.join(WAIT)
    assert not errors, errors

    agreement_ab.refresh_from_db()
    assert agreement_ab.enforced
    assert agreement_ab.is_settled
    assert agreement_ab.state_changed_at is not None
    for report in reports:
        assert sees(bravo_analyst, report)
        rows = Dissemination.objects.filter(report=report, agreement=agreement_ab)
        assert rows.filter(revoked_at=suspended_at).count() == 1
        assert rows.filter(revoked_at=None, granted_at=agreement_ab.state_changed_at).count() == 1


@pytest.mark.django_db(transaction=True)
def test_suspension_while_a_reactivation_is_recorded_ends_access_at_once_and_records_both_ends(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
    broker_down: None,
) -> None:
    reports = [publish(alpha_analyst) for _ in range(3)]
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="review")
    services.settle_agreement(agreement_ab.pk)
    services.reactivate_agreement(agreement_ab, actor=portal_admin, reason="review done")
    agreement_ab.refresh_from_db()
    began = agreement_ab.state_changed_at
    assert began is not None
    errors: list[BaseException] = []
    settler, _, release = _paused_settlement(agreement_ab, errors)

    suspender = _run(
        lambda: services.suspend_agreement(agreement_ab, actor=portal_admin, reason="again"),
        errors,
    )
    suspender.join(WAIT)
    assert not suspender.is_alive(), "suspension must not wait for a whole settlement"
    assert not any(sees(bravo_analyst, report) for report in reports)

    release.set()
    settler.join(WAIT)
    assert not errors, errors

    agreement_ab.refresh_from_db()
    ended = agreement_ab.state_changed_at
    assert agreement_ab.is_settled
    assert not any(sees(bravo_analyst, report) for report in reports)
    for report in reports:
        rows = Dissemination.objects.filter(report=report, agreement=agreement_ab, granted_at=began)
        assert [row.revoked_at for row in rows] == [ended]
    assert not Dissemination.objects.filter(agreement=agreement_ab, revoked_at=None).exists()
