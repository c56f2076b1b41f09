"""A denial stays on the record when the transaction around it rolls back; other events do not.

These tests commit for real (transactional database), as a deployment does: a row can then be
missing only because a rollback took it, not because another connection cannot see it yet.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from agencies.models import Agency, User
from sharing import audit, services
from sharing.access.rules import Denial
from sharing.models import Agreement, AuditAction, AuditEvent, AuditOutcome, Report, Tlp
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db(transaction=True)

Publish = Callable[..., Report]


def test_an_outsiders_denied_read_stays_on_record_when_the_surrounding_transaction_rolls_back(
    publish: Publish,
    alpha_analyst: User,
    charlie_analyst: User,
    charlie: Agency,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    client = signed_in(charlie_analyst)
    with transaction.atomic():
        assert client.get(reverse("report-detail", args=[report.uuid])).status_code == 404
        transaction.set_rollback(True)
    denied = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED, actor_user=charlie_analyst)
    assert denied.outcome == AuditOutcome.DENIED
    assert denied.details["report"] == str(report.uuid)
    assert denied.agency_id == charlie.pk


def test_a_successful_read_inside_a_rolled_back_transaction_leaves_no_event(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    client = signed_in(bravo_analyst)
    with transaction.atomic():
        assert client.get(reverse("report-detail", args=[report.uuid])).status_code == 200
        assert AuditEvent.objects.filter(
            action=AuditAction.REPORT_VIEWED, actor_user=bravo_analyst
        ).exists()
        transaction.set_rollback(True)
    # Only the sign-in, committed before the block, is left.
    assert list(
        AuditEvent.objects.filter(actor_user=bravo_analyst).values_list("action", flat=True)
    ) == [AuditAction.LOGIN]


def test_a_refused_forward_stays_on_record_when_the_callers_transaction_rolls_back(
    publish: Publish,
    alpha_analyst: User,
    bravo_supervisor: User,
    charlie: Agency,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN, handling_code="H2")
    with pytest.raises(PermissionDenied, match="handling code"), transaction.atomic():
        services.forward_report(report, charlie, actor=bravo_supervisor, justification="joint case")
    denied = AuditEvent.objects.get(action=AuditAction.GRANTED, outcome=AuditOutcome.DENIED)
    assert denied.actor_user_id == bravo_supervisor.pk
    assert denied.recipients == ["agency:charlie"]
    assert denied.details == {"basis": "forwarded", "denied": Denial.HANDLING.value}


def test_a_denial_does_not_wait_on_the_agency_row_its_caller_holds(
    publish: Publish,
    alpha_analyst: User,
    charlie_analyst: User,
    charlie: Agency,
    agreement_ab: Agreement,
) -> None:
    # An enforced foreign key from the event to the agency would make the denial's insert wait
    # for this transaction, which waits for the insert: the lock_timeout would end it in error.
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    client = signed_in(charlie_analyst)
    with transaction.atomic():
        Agency.objects.select_for_update().get(pk=charlie.pk)
        assert client.get(reverse("report-detail", args=[report.uuid])).status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, actor_user=charlie_analyst
    ).exists()


def test_record_refuses_a_denial_so_that_every_denial_takes_the_path_that_survives() -> None:
    with pytest.raises(ValueError, match="record_denial"):
        audit.record(None, AuditAction.ACCESS_DENIED, outcome=AuditOutcome.DENIED)
    assert not AuditEvent.objects.exists()
