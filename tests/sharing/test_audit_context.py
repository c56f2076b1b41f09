"""Every event says where it came from: request id, client address, channel, carried to workers."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import User
from sharing import audit, services
from sharing.models import Agreement, AuditAction, AuditChannel, AuditEvent, AuditOutcome, Report
from tests.conftest import PASSWORD
from tests.helpers import denials, signed_in
from tests.portal.processes import ROOT, clean_environment, database_url, wait_until

HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def alpha_report(publish: Callable[..., Report], alpha_analyst: User) -> Report:
    return publish(alpha_analyst)


def _viewed(report: Report) -> AuditEvent:
    return AuditEvent.objects.get(action=AuditAction.REPORT_VIEWED, object_ids=[str(report.uuid)])


def test_request_id_is_generated_returned_and_recorded(
    alpha_analyst: User, alpha_report: Report
) -> None:
    response = signed_in(alpha_analyst).get(
        reverse("report-detail", args=[alpha_report.uuid]), HTTP_X_REQUEST_ID="partner-42"
    )

    assert response.status_code == 200
    event = _viewed(alpha_report)
    assert HEX_ID.fullmatch(event.request_id)
    assert response["X-Request-ID"] == event.request_id
    # The client's own id is kept beside ours, never taken as it.
    assert event.request_id != "partner-42"
    assert event.details["client_request_id"] == "partner-42"
    assert (event.channel, event.ip, event.actor_user, event.agency, event.country) == (
        AuditChannel.WEB,
        "127.0.0.1",
        alpha_analyst,
        alpha_analyst.agency,
        alpha_analyst.agency.country if alpha_analyst.agency else None,
    )


def test_each_request_gets_its_own_id(alpha_analyst: User, alpha_report: Report) -> None:
    client = signed_in(alpha_analyst)
    url = reverse("report-detail", args=[alpha_report.uuid])
    first = client.get(url, HTTP_X_REQUEST_ID="same")["X-Request-ID"]
    second = client.get(url, HTTP_X_REQUEST_ID="same")["X-Request-ID"]
    assert first != second


def test_forwarded_for_is_ignored_from_an_unlisted_peer(
    settings: object, alpha_analyst: User, alpha_report: Report
) -> None:
    signed_in(alpha_analyst).get(
        reverse("report-detail", args=[alpha_report.uuid]),
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        REMOTE_ADDR="198.51.100.7",
    )
    assert _viewed(alpha_report).ip == "198.51.100.7"


def test_forwarded_for_names_the_client_behind_a_listed_proxy(
    settings: object, alpha_analyst: User, alpha_report: Report
) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]  # type: ignore[attr-defined]
    signed_in(alpha_analyst).get(
        reverse("report-detail", args=[alpha_report.uuid]),
        # The client wrote the first hop itself; the two proxies wrote the rest.
        HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.9, 10.1.2.3",
        REMOTE_ADDR="10.0.0.5",
    )
    assert _viewed(alpha_report).ip == "203.0.113.9"


def test_a_denial_carries_the_request_id(charlie_analyst: User, alpha_report: Report) -> None:
    response = signed_in(charlie_analyst).get(reverse("report-detail", args=[alpha_report.uuid]))

    assert response.status_code == 404
    denied = denials().get(action=AuditAction.ACCESS_DENIED, actor_user_id=charlie_analyst.pk)
    assert denied.request_id == response["X-Request-ID"]


def test_sign_in_and_failed_sign_in_are_recorded(alpha_analyst: User) -> None:
    client = Client()
    refused = client.post(reverse("login"), {"username": alpha_analyst.username, "password": "x"})
    accepted = client.post(
        reverse("login"), {"username": alpha_analyst.username, "password": PASSWORD}
    )

    assert refused.status_code == 200
    assert accepted.status_code == 302
    failed = denials().get(action=AuditAction.LOGIN_FAILED)
    assert failed.details == {"username": alpha_analyst.username}
    assert failed.request_id == refused["X-Request-ID"]
    signed = AuditEvent.objects.get(action=AuditAction.LOGIN, actor_user=alpha_analyst)
    assert (signed.channel, signed.request_id, signed.outcome) == (
        AuditChannel.WEB,
        accepted["X-Request-ID"],
        AuditOutcome.SUCCESS,
    )


def test_a_service_called_without_context_takes_the_bound_one(portal_admin: User) -> None:
    context = audit.RequestContext(channel=AuditChannel.COMMAND, request_id="c" * 32)
    with audit.bound(context):
        services.create_category(actor=portal_admin, code="wildlife", name="Wildlife")
    event = AuditEvent.objects.get(action=AuditAction.CATEGORY_CREATED)
    assert (event.channel, event.request_id) == (AuditChannel.COMMAND, "c" * 32)


@pytest.mark.django_db(transaction=True)
def test_a_command_records_with_the_command_channel() -> None:
    script = (
        "from sharing import audit; from sharing.models import AuditAction;"
        "audit.record(None, AuditAction.ERASED, details={'probe': True})"
    )
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=clean_environment(DATABASE_URL=database_url(), DEBUG="true"),
        check=True,
        timeout=60,
    )
    event = AuditEvent.objects.get(action=AuditAction.ERASED)
    assert event.channel == AuditChannel.COMMAND
    assert HEX_ID.fullmatch(event.request_id)
    assert event.details == {"probe": True, "command": "shell"}


@pytest.mark.worker
def test_a_worker_carries_the_request_id_of_whoever_queued_the_task(
    portal_admin: User, agreement_ab: Agreement, celery_worker: str
) -> None:
    # The agreement is in place (its tasks run in-process) before the worker starts.
    context = audit.RequestContext(channel=AuditChannel.ADMIN, request_id="a" * 32)
    with audit.bound(context):
        services.suspend_agreement(agreement_ab, actor=portal_admin, reason="carried over")

    assert wait_until(
        AuditEvent.objects.filter(action=AuditAction.AGREEMENT_SETTLED).exists, timeout=60
    )
    settled_event = AuditEvent.objects.get(action=AuditAction.AGREEMENT_SETTLED)
    suspended = AuditEvent.objects.get(action=AuditAction.AGREEMENT_SUSPENDED)
    assert (suspended.channel, suspended.request_id) == (AuditChannel.ADMIN, "a" * 32)
    assert (settled_event.channel, settled_event.request_id) == (AuditChannel.WORKER, "a" * 32)
    assert settled_event.details["task"] == "sharing.tasks.settle_agreement"
