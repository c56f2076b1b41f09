"""Coming into force is one row update; the record follows, and access is exact meanwhile.

Between activation or reactivation and the background step that writes the agreement's rows
and grants, the agreement is pending: its party groups do not resolve (they may still hold an
earlier period's grants) and principals see what the sharing rule gives under it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import pytest

from agencies.models import Agency, Country, User
from sharing import services
from sharing.access import explain_visibility
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


def _listed(user: User) -> list[int]:
    fresh = User.objects.get(pk=user.pk)  # the next request
    return [report.pk for report in Report.objects.newest_visible(fresh, 50)]


def _rows(report: Report, agreement: Agreement) -> list[tuple[dt.datetime, dt.datetime | None]]:
    rows = Dissemination.objects.filter(report=report, agreement=agreement).order_by("id")
    return [(row.granted_at, row.revoked_at) for row in rows]


def _refresh(agreement: Agreement) -> Agreement:
    agreement.refresh_from_db()
    return agreement


def test_suspended_agreement_amended_narrower_and_reactivated_shares_only_the_new_scope(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
    country_b: Country,
    drugs: Category,
    categories: dict[str, Category],
) -> None:
    migrants = categories["migrant-smuggling"]
    drug_report = publish(alpha_analyst, category=drugs)
    migrant_report = publish(alpha_analyst, category=migrants)
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="review")
    suspended_at = _refresh(agreement_ab).state_changed_at
    # Not settled: the party group still holds both grants when the agreement returns.
    services.amend_agreement(
        agreement_ab, actor=portal_admin, reason="protocol 2", categories=[migrants]
    )
    services.reactivate_agreement(agreement_ab, actor=portal_admin, reason="review done")
    reactivated_at = _refresh(agreement_ab).state_changed_at
    party = AgreementParty.objects.get(agreement=agreement_ab, country=country_b)
    assert ReportGroupObjectPermission.objects.filter(group=party.group).count() == 2

    for settled in (False, True):
        assert sees(bravo_analyst, migrant_report), settled
        assert not sees(bravo_analyst, drug_report), settled
        assert _listed(bravo_analyst) == [migrant_report.pk], settled
        assert explain_visibility(migrant_report, country_b).visible, settled
        assert not explain_visibility(drug_report, country_b).visible, settled
        services.settle_agreement(agreement_ab.pk)

    assert _rows(drug_report, agreement_ab) == [(drug_report.published_at, suspended_at)]
    assert _rows(migrant_report, agreement_ab) == [
        (migrant_report.published_at, suspended_at),
        (reactivated_at, None),
    ]
    assert ReportGroupObjectPermission.objects.filter(group=party.group).count() == 1


def test_a_pending_agreements_group_is_not_resolved_until_settled(
    bravo: Agency, bravo_analyst: User, portal_admin: User, agreement_ab: Agreement
) -> None:
    group = AgreementParty.objects.get(agreement=agreement_ab, country=bravo.country).group_id
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="review")
    services.reactivate_agreement(agreement_ab, actor=portal_admin, reason="review done")
    principal = resolve(User.objects.get(pk=bravo_analyst.pk))
    assert group not in principal.group_ids
    assert principal.pending_agreement_ids == (agreement_ab.pk,)
    services.settle_agreement(agreement_ab.pk)
    principal = resolve(User.objects.get(pk=bravo_analyst.pk))
    assert group in principal.group_ids
    assert principal.pending_agreement_ids == ()


def test_report_list_and_explanation_while_pending_match_what_is_visible(
    publish: Publish,
    make_agreement: Callable[..., Agreement],
    alpha_analyst: User,
    bravo_analyst: User,
    country_a: Country,
    country_b: Country,
    drugs: Category,
) -> None:
    earlier = [publish(alpha_analyst) for _ in range(3)]
    agreement = make_agreement([country_a, country_b], [drugs], settle=False)
    later = publish(alpha_analyst)  # published while pending: disseminate writes its row
    expected = [report.pk for report in reversed([*earlier, later])]

    assert _listed(bravo_analyst) == expected
    fresh = User.objects.get(pk=bravo_analyst.pk)
    visible = Report.objects.visible_to(fresh)
    assert sorted(visible.values_list("pk", flat=True)) == sorted(expected)
    # A page (sliced: probed per report) and everything (hashed) agree.
    page = visible.order_by("-published_at", "-id")[:2]
    assert [report.pk for report in page] == expected[:2]
    # Also as a subquery, where the report table takes another alias.
    assert sorted(Report.objects.filter(pk__in=visible).values_list("pk", flat=True)) == sorted(
        expected
    )
    explanation = explain_visibility(earlier[0], country_b)
    assert explanation.visible
    since = f"since {agreement.pending_since:%Y-%m-%d %H:%M} UTC"
    assert [reason.text for reason in explanation.reasons] == [
        f"shared with {country_b} under agreement {agreement} ({since})"
    ]
    later_since = f"since {later.published_at:%Y-%m-%d %H:%M} UTC"
    assert later_since in explain_visibility(later, country_b).reasons[0].text

    services.settle_agreement(agreement.pk)
    assert _listed(bravo_analyst) == expected
    # Settlement leaves the row the publish wrote: shared from publication, not before.
    assert _rows(later, agreement) == [(later.published_at, None)]
    assert _rows(earlier[0], agreement) == [(agreement.pending_since, None)]


def test_report_edited_out_of_scope_while_pending_is_on_record_until_the_edit(
    publish: Publish,
    make_agreement: Callable[..., Agreement],
    alpha_analyst: User,
    bravo_analyst: User,
    country_a: Country,
    country_b: Country,
    drugs: Category,
    arms: Category,
) -> None:
    edited = publish(alpha_analyst)
    retracted = publish(alpha_analyst)
    agreement = make_agreement([country_a, country_b], [drugs], settle=False)
    assert sees(bravo_analyst, edited)

    services.edit_report(edited, actor=alpha_analyst, changes={"category": arms})
    services.retract_report(retracted, actor=alpha_analyst, reason="wrong")

    assert not sees(bravo_analyst, edited)
    assert not sees(bravo_analyst, retracted)
    services.settle_agreement(agreement.pk)
    for report in (edited, retracted):
        ((granted_at, revoked_at),) = _rows(report, agreement)
        assert granted_at == agreement.pending_since
        assert revoked_at is not None
        assert revoked_at > granted_at


def test_report_edited_before_a_suspension_is_settled_is_revoked_as_of_the_suspension(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
    arms: Category,
) -> None:
    report = publish(alpha_analyst)
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="review")
    services.edit_report(report, actor=alpha_analyst, changes={"category": arms})
    suspended_at = _refresh(agreement_ab).state_changed_at
    assert _rows(report, agreement_ab) == [(report.published_at, suspended_at)]


def test_amending_a_pending_agreement_writes_its_record_first(
    publish: Publish,
    make_agreement: Callable[..., Agreement],
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    country_a: Country,
    country_b: Country,
    drugs: Category,
    arms: Category,
) -> None:
    report = publish(alpha_analyst)
    agreement = make_agreement([country_a, country_b], [drugs], settle=False)

    services.amend_agreement(agreement, actor=portal_admin, reason="arms only", categories=[arms])

    agreement = _refresh(agreement)
    assert agreement.is_settled
    assert not sees(bravo_analyst, report)
    ((granted_at, revoked_at),) = _rows(report, agreement)
    assert granted_at == agreement.state_changed_at  # shared from the activation ...
    assert revoked_at is not None  # ... until the amendment
    assert AuditEvent.objects.filter(action=AuditAction.AGREEMENT_SYNCED).count() == 1


def test_a_period_in_force_that_ended_before_it_was_recorded_is_recorded_with_both_ends(
    publish: Publish,
    make_agreement: Callable[..., Agreement],
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    country_a: Country,
    country_b: Country,
    drugs: Category,
) -> None:
    report = publish(alpha_analyst)
    agreement = make_agreement([country_a, country_b], [drugs], settle=False)
    began = agreement.pending_since
    services.suspend_agreement(agreement, actor=portal_admin, reason="too soon")
    ended = _refresh(agreement).state_changed_at
    assert agreement.pending_until == ended
    assert not sees(bravo_analyst, report)

    # Coming back before that period is on record writes it first, in the reactivation.
    services.reactivate_agreement(agreement, actor=portal_admin, reason="go")
    again = _refresh(agreement).state_changed_at
    assert agreement.pending_since == again
    assert sees(bravo_analyst, report)
    services.settle_agreement(agreement.pk)
    assert _rows(report, agreement) == [(began, ended), (again, None)]
    assert sees(bravo_analyst, report)


@pytest.mark.worker
def test_reactivation_is_recorded_by_a_real_worker(
    celery_worker: str,
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
) -> None:
    reports = [publish(alpha_analyst) for _ in range(2)]
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="worker")
    services.reactivate_agreement(agreement_ab, actor=portal_admin, reason="worker")
    assert all(sees(bravo_analyst, report) for report in reports)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _refresh(agreement_ab).is_settled:
        time.sleep(0.2)
    assert agreement_ab.is_settled, "the worker did not settle the agreement"
    assert all(sees(bravo_analyst, report) for report in reports)
    live = Dissemination.objects.filter(agreement=agreement_ab, revoked_at=None)
    assert {row.granted_at for row in live} == {agreement_ab.state_changed_at}
    assert live.count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.AGREEMENT_SYNCED).count() == 2


def test_forwarding_while_pending_keeps_the_share_since_the_return_to_force(
    publish: Publish,
    make_agreement: Callable[..., Agreement],
    alpha_analyst: User,
    bravo_supervisor: User,
    charlie_analyst: User,
    charlie: Agency,
    country_a: Country,
    country_b: Country,
    drugs: Category,
) -> None:
    report = publish(alpha_analyst)
    agreement = make_agreement([country_a, country_b], [drugs], settle=False)

    # Bravo sees it through the rule alone, and may pass it on (TLP:GREEN, H0).
    services.forward_report(report, charlie, actor=bravo_supervisor, justification="joint op")

    assert sees(charlie_analyst, report)
    assert _rows(report, agreement) == [(agreement.pending_since, None)]
    services.settle_agreement(agreement.pk)
    assert _rows(report, agreement) == [(agreement.pending_since, None)]
