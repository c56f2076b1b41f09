"""manage.py agreement drives the lifecycle from the shell, through the same services."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from agencies.models import User
from sharing.models import Agreement, AgreementState, AuditChannel, AuditEvent, Report


def test_suspend_and_reactivate_from_the_command_line(
    publish: Callable[..., Report],
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst)
    out = StringIO()
    call_command("agreement", "suspend", agreement_ab.reference, reason="audit finding", stdout=out)
    assert "is now suspended; access under it ended at" in out.getvalue()
    assert "Settled: 1 revoked as of that instant, 1 grants removed." in out.getvalue()
    assert not Report.objects.visible_to(bravo_analyst).filter(pk=report.pk).exists()
    event = AuditEvent.objects.get(action="agreement.suspended")
    assert event.channel == AuditChannel.COMMAND
    assert event.justification == "audit finding"

    call_command("agreement", "reactivate", agreement_ab.reference, stdout=StringIO())
    agreement_ab.refresh_from_db()
    assert agreement_ab.state == AgreementState.ACTIVE
    assert (
        Report.objects.visible_to(User.objects.get(pk=bravo_analyst.pk))
        .filter(pk=report.pk)
        .exists()
    )


def test_command_reports_refusals_as_errors(agreement_ab: Agreement) -> None:
    with pytest.raises(CommandError, match="reason"):
        call_command("agreement", "suspend", agreement_ab.reference, stdout=StringIO())
    with pytest.raises(CommandError, match="No agreement"):
        call_command("agreement", "suspend", "NOPE/1", reason="x", stdout=StringIO())


def test_show_tells_whether_the_agreement_is_in_force_and_settled(
    publish: Callable[..., Report],
    alpha_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
) -> None:
    from sharing import services

    publish(alpha_analyst)
    out = StringIO()
    call_command("agreement", "show", agreement_ab.reference, stdout=out)
    assert "in force: yes" in out.getvalue()
    assert "live grants: 1" in out.getvalue()
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="review")
    out = StringIO()
    call_command("agreement", "show", agreement_ab.reference, stdout=out)
    assert "in force: no (access ended at" in out.getvalue()
