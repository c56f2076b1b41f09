"""A grant computed concurrently with a suspension never resurrects access.

Publish takes share locks on the originator's agreements; suspension takes the row lock of its
agreement. Whichever commits first, the other sees its result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from agencies.models import User
from sharing import services
from sharing.models import Agreement, Dissemination, Report

Publish = Callable[..., Report]
WAIT = 20


def _run(target: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def body() -> None:
        try:
            target()
        except BaseException as exc:  # surfaced by the test thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread


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
    second.join(0.5)
    assert second.is_alive(), "suspension must wait for the publish holding the agreement lock"
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
    second.join(0.5)
    assert second.is_alive(), "publish must wait for the suspension holding the agreement lock"
    release.set()
    first.join(WAIT)
    second.join(WAIT)
    assert not errors, errors

    assert Report.objects.get(pk=draft.pk).state == "published"
    assert not Report.objects.visible_to(bravo_analyst).filter(pk=draft.pk).exists()
    assert not Dissemination.objects.filter(report=draft, agreement=agreement_ab).exists()
