"""manage.py agreement drives the lifecycle from the shell, through the same services."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from agencies.models import User
from sharing.models import (
    Agreement,
    AgreementChange,
    AgreementState,
    AuditChannel,
    AuditEvent,
    Report,
)


def test_suspend_and_reactivate_from_the_command_line(
    publish: Callable[..., Report],
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst)
    out = StringIO()
    call_command("agreement", "suspend", agreement_ab.reference, reason="audit finding", stdout=out)
    agreement_ab.refresh_from_db()
    ended = f"{agreement_ab.state_changed_at:%Y-%m-%d %H:%M:%S} UTC"
    assert f"is now suspended; access under it ended at {ended}" in out.getvalue()
    assert f"Settled: 1 revoked as of {ended}." in out.getvalue()
    assert "Grants: 0 added, 1 removed." in out.getvalue()
    assert not Report.objects.visible_to(bravo_analyst).filter(pk=report.pk).exists()
    event = AuditEvent.objects.get(action="agreement.suspended")
    assert event.channel == AuditChannel.COMMAND
    assert event.justification == "audit finding"

    out = StringIO()
    call_command("agreement", "reactivate", agreement_ab.reference, stdout=out)
    agreement_ab.refresh_from_db()
    assert agreement_ab.state == AgreementState.ACTIVE
    began = f"{agreement_ab.state_changed_at:%Y-%m-%d %H:%M:%S} UTC"
    assert f"is now active; access under it began at {began}" in out.getvalue()
    assert f"Recorded: 1 granted as of {began}." in out.getvalue()
    assert "Grants: 1 added, 0 removed." in out.getvalue()
    assert agreement_ab.is_settled
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
    agreement_ab.refresh_from_db()
    ended = f"{agreement_ab.state_changed_at:%Y-%m-%d %H:%M:%S} UTC"
    assert f"in force: no (access under it ended at {ended}; the record of that" in out.getvalue()
    services.reactivate_agreement(agreement_ab, actor=portal_admin)
    out = StringIO()
    call_command("agreement", "show", agreement_ab.reference, stdout=out)
    assert "in force: yes (access under it ended at" in out.getvalue()
    assert "access under it began at" in out.getvalue()


def test_the_command_offers_the_state_changes_of_the_one_table(agreement_ab: Agreement) -> None:
    from sharing.management.commands.agreement import STATE_CHANGES
    from sharing.services import CHANGES

    assert set(STATE_CHANGES) == set(CHANGES) - {AgreementChange.AMEND}
    with pytest.raises(CommandError, match="invalid choice: 'amend'"):
        call_command("agreement", "amend", agreement_ab.reference, stdout=StringIO())
