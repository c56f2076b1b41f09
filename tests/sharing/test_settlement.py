"""Leaving force ends access at once; the record and grants are settled afterwards, exactly.

Suspension, termination and expiry change one agreement row: the parties' agreement groups
stop resolving on the next request. `settle_agreement` (a task queued on commit, the calendar
as a safety net, or the next return to force) then writes revoked_at = that instant on every
live row and removes the groups' grants.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Agency, Country, User
from sharing import access, services
from sharing.access.principals import resolve
from sharing.models import (
    Agreement,
    AgreementParty,
    AuditAction,
    AuditEvent,
    Category,
    Dissemination,
    Report,
    ReportGroupObjectPermission,
)
from tests.helpers import sees

Publish = Callable[..., Report]


def _agreement_grants(agreement: Agreement) -> int:
    return ReportGroupObjectPermission.objects.filter(
        group__agreement_party__agreement=agreement
    ).count()


def _live(agreement: Agreement) -> Any:
    return Dissemination.objects.filter(agreement=agreement, revoked_at__isnull=True)


def test_settlement_in_batches_revokes_as_of_the_suspension(
    publish: Publish, alpha_analyst: User, portal_admin: User, agreement_ab: Agreement
) -> None:
    reports = [publish(alpha_analyst) for _ in range(5)]
    assert _live(agreement_ab).count() == 5
    assert _agreement_grants(agreement_ab) == 5
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="review")
    agreement_ab.refresh_from_db()
    assert agreement_ab.unsettled_since == agreement_ab.state_changed_at

    progress: list[tuple[int, int]] = []
    settled = access.settle_agreement(
        agreement_ab.pk, batch_ids=2, progress=lambda done, total: progress.append((done, total))
    )

    assert settled is not None
    assert settled.revoked == 5
    assert settled.grants_removed == 5
    assert progress == [(1, 3), (2, 3), (3, 3)]  # five report ids, two per batch
    rows = Dissemination.objects.filter(agreement=agreement_ab, report__in=reports)
    assert {row.revoked_at for row in rows} == {agreement_ab.state_changed_at}
    assert {row.revoke_reason for row in rows} == {"agreement suspended"}
    assert _agreement_grants(agreement_ab) == 0
    agreement_ab.refresh_from_db()
    assert agreement_ab.unsettled_since is None
    # Nothing left: a second run (a duplicate task, the calendar) does nothing.
    assert services.settle_agreement(agreement_ab.pk) is None


def test_reactivation_before_the_task_ran_is_settled_in_one_go_with_the_gap_on_record(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst)
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="review")
    agreement_ab.refresh_from_db()
    suspended_at = agreement_ab.state_changed_at
    assert not sees(bravo_analyst, report)

    services.reactivate_agreement(agreement_ab, actor=portal_admin, reason="review done")

    # Access is back at once; the old row and the old grant wait for the settlement.
    agreement_ab.refresh_from_db()
    assert agreement_ab.unsettled_since == suspended_at
    assert agreement_ab.pending_since == agreement_ab.state_changed_at
    assert agreement_ab.enforced
    assert sees(bravo_analyst, report)
    assert _live(agreement_ab).get().granted_at < suspended_at

    services.settle_agreement(agreement_ab.pk)

    agreement_ab.refresh_from_db()
    assert agreement_ab.is_settled
    assert sees(bravo_analyst, report)
    old, new = Dissemination.objects.filter(report=report, agreement=agreement_ab).order_by("id")
    assert old.revoked_at == suspended_at
    assert new.revoked_at is None
    assert new.granted_at == agreement_ab.state_changed_at
    assert _agreement_grants(agreement_ab) == 1
    settled = AuditEvent.objects.get(action=AuditAction.AGREEMENT_SETTLED)
    assert settled.details["revoked"] == 1
    synced = AuditEvent.objects.filter(action=AuditAction.AGREEMENT_SYNCED).latest("id")
    assert synced.details["granted"] == 1
    assert synced.details["access_began_at"] == agreement_ab.state_changed_at.isoformat()
    # The tasks queued by both changes find nothing left to do.
    assert services.settle_agreement(agreement_ab.pk) is None


def test_termination_after_suspension_keeps_the_first_instant(
    publish: Publish, alpha_analyst: User, portal_admin: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst)
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="review")
    agreement_ab.refresh_from_db()
    suspended_at = agreement_ab.state_changed_at
    services.terminate_agreement(agreement_ab, actor=portal_admin, reason="denounced")
    services.settle_agreement(agreement_ab.pk)
    row = Dissemination.objects.get(report=report, agreement=agreement_ab)
    assert row.revoked_at == suspended_at


def test_expiry_ends_access_at_midnight_and_records_that_instant(
    publish: Publish,
    make_agreement: Callable[..., Agreement],
    alpha_analyst: User,
    bravo_analyst: User,
    country_a: Country,
    country_b: Country,
    drugs: Category,
) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    agreement = make_agreement([country_a, country_b], [drugs])
    report = publish(alpha_analyst)
    two_days_ago = timezone.now() - dt.timedelta(days=2)
    Dissemination.objects.filter(report=report).update(granted_at=two_days_ago)
    Agreement.objects.filter(pk=agreement.pk).update(valid_until=yesterday)
    # Before the beat task has run, the date alone stops the group from resolving.
    assert not sees(bravo_analyst, report)

    services.apply_agreement_calendar()

    agreement.refresh_from_db()
    midnight = dt.datetime.combine(timezone.localdate(), dt.time.min, tzinfo=dt.UTC)
    assert agreement.state == "expired"
    row = Dissemination.objects.get(report=report, agreement=agreement)
    assert row.revoked_at == midnight


def test_calendar_settles_what_the_queue_lost(
    publish: Publish, alpha_analyst: User, portal_admin: User, agreement_ab: Agreement
) -> None:
    publish(alpha_analyst)
    # Outside a committed transaction the on-commit task never runs: as if the broker lost it.
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="review")
    assert _live(agreement_ab).count() == 1

    changes = services.apply_agreement_calendar()

    assert (agreement_ab.reference, "settled") in changes
    assert _live(agreement_ab).count() == 0
    assert _agreement_grants(agreement_ab) == 0


def test_removing_a_party_cuts_its_access_at_once(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    charlie_analyst: User,
    portal_admin: User,
    country_a: Country,
    country_b: Country,
    country_c: Country,
    agreement_abc: Agreement,
) -> None:
    report = publish(alpha_analyst)
    assert sees(bravo_analyst, report)
    assert sees(charlie_analyst, report)
    removed_group = AgreementParty.objects.get(agreement=agreement_abc, country=country_c).group_id

    services.amend_agreement(
        agreement_abc, actor=portal_admin, reason="XC withdrew", parties=[country_a, country_b]
    )

    assert sees(bravo_analyst, report)
    assert not sees(charlie_analyst, report)
    row = Dissemination.objects.get(report=report, recipient_country=country_c)
    assert row.revoked_at is not None
    assert not ReportGroupObjectPermission.objects.filter(group_id=removed_group).exists()


def test_principals_resolve_only_agreements_in_force(
    bravo: Agency, bravo_analyst: User, portal_admin: User, agreement_ab: Agreement
) -> None:
    party_group = AgreementParty.objects.get(agreement=agreement_ab, country=bravo.country).group
    assert party_group.pk in resolve(bravo_analyst).group_ids
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="review")
    fresh = User.objects.get(pk=bravo_analyst.pk)
    assert party_group.pk not in resolve(fresh).group_ids
    # Users are never members of agreement groups: only resolution grants them.
    assert not party_group.user_set.exists()


@pytest.mark.worker
def test_suspension_is_settled_by_a_real_worker(
    celery_worker: str,
    publish: Publish,
    alpha_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
) -> None:
    publish(alpha_analyst)
    publish(alpha_analyst)

    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="worker")

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        agreement_ab.refresh_from_db()
        if agreement_ab.unsettled_since is None:
            break
        time.sleep(0.2)
    assert agreement_ab.unsettled_since is None, "the worker did not settle the agreement"
    assert _live(agreement_ab).count() == 0
    assert _agreement_grants(agreement_ab) == 0
    assert set(
        Dissemination.objects.filter(agreement=agreement_ab).values_list("revoked_at", flat=True)
    ) == {agreement_ab.state_changed_at}
    event = AuditEvent.objects.get(action=AuditAction.AGREEMENT_SETTLED)
    assert event.details["revoked"] == 2


@pytest.mark.django_db(transaction=True)
def test_suspension_and_reactivation_stand_when_the_broker_is_down(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
    broker_down: None,
) -> None:
    report = publish(alpha_analyst)
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="outage")

    agreement_ab.refresh_from_db()
    assert agreement_ab.state == "suspended"
    assert agreement_ab.unsettled_since is not None
    assert not sees(bravo_analyst, report)
    services.apply_agreement_calendar()
    assert _live(agreement_ab).count() == 0

    services.reactivate_agreement(agreement_ab, actor=portal_admin, reason="outage over")

    agreement_ab.refresh_from_db()
    assert agreement_ab.pending_since is not None
    assert sees(bravo_analyst, report)
    assert _live(agreement_ab).count() == 0
    services.apply_agreement_calendar()
    agreement_ab.refresh_from_db()
    assert agreement_ab.is_settled
    assert _live(agreement_ab).count() == 1
    assert _agreement_grants(agreement_ab) == 1
    assert sees(bravo_analyst, report)


def test_settlement_covers_a_party_removed_while_suspended_and_nothing_else(
    publish: Publish,
    alpha_analyst: User,
    alpha_customs_analyst: User,
    portal_admin: User,
    country_a: Country,
    country_b: Country,
    agreement_abc: Agreement,
) -> None:
    report = publish(alpha_analyst)
    services.suspend_agreement(agreement_abc, actor=portal_admin, reason="review")
    services.amend_agreement(
        agreement_abc, actor=portal_admin, reason="XC withdrew", parties=[country_a, country_b]
    )

    settled = services.settle_agreement(agreement_abc.pk)

    assert settled is not None
    assert settled.revoked == 2
    assert settled.grants_removed == 2
    assert _agreement_grants(agreement_abc) == 0
    assert not ReportGroupObjectPermission.objects.filter(
        group__name__startswith=f"agreement:{agreement_abc.pk}:"
    ).exists()
    # The originator's own country keeps its grant.
    assert sees(alpha_customs_analyst, report)


def test_report_list_drops_a_suspended_agreements_reports_before_settlement(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst)
    assert [r.pk for r in Report.objects.newest_visible(bravo_analyst, 10)] == [report.pk]
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="review")
    assert _live(agreement_ab).count() == 1  # not settled yet
    fresh = User.objects.get(pk=bravo_analyst.pk)  # the next request
    assert list(Report.objects.newest_visible(fresh, 10)) == []
