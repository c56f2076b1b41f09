"""Agreement lifecycle: activation (retroactive or not), suspension, reactivation, termination,
amendment and automatic expiry, each seen from the partner's very next request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import Country, User
from sharing import services
from sharing.access import explain_visibility
from sharing.models import (
    Agreement,
    AgreementParty,
    AgreementState,
    AuditAction,
    AuditEvent,
    Category,
    Dissemination,
    Report,
    ReportGroupObjectPermission,
    Tlp,
)
from sharing.tasks import apply_agreement_calendar
from tests.helpers import sees, signed_in

Publish = Callable[..., Report]


def test_suspension_denies_the_partners_next_request(
    django_capture_on_commit_callbacks: Callable[..., Any],
    country_b: Country,
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst)
    client = signed_in(bravo_analyst)
    url = reverse("report-detail", args=[report.uuid])
    assert client.get(url).status_code == 200

    with django_capture_on_commit_callbacks() as settlement:
        services.suspend_agreement(
            agreement_ab, actor=portal_admin, reason="breach of handling rules"
        )

    # Access ends with the suspension itself, before the record is settled.
    assert client.get(url).status_code == 404
    row = Dissemination.objects.get(report=report, agreement=agreement_ab)
    assert row.revoked_at is None
    assert not explain_visibility(report, country_b).visible
    event = AuditEvent.objects.get(action=AuditAction.AGREEMENT_SUSPENDED)
    assert event.justification == "breach of handling rules"

    # The settlement task queued on commit revokes the row as of the suspension's instant.
    assert len(settlement) == 1
    settlement[0]()
    agreement_ab.refresh_from_db()
    row.refresh_from_db()
    assert row.revoked_at == agreement_ab.state_changed_at
    assert agreement_ab.unsettled_since is None
    assert not ReportGroupObjectPermission.objects.filter(
        content_object=report, group__agreement_party__agreement=agreement_ab
    ).exists()
    settled = AuditEvent.objects.get(action=AuditAction.AGREEMENT_SETTLED)
    assert settled.details["revoked"] == 1
    assert settled.details["grants_removed"] == 1
    assert client.get(url).status_code == 404


def test_reactivation_shares_again_including_reports_published_meanwhile(
    django_capture_on_commit_callbacks: Callable[..., Any],
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
) -> None:
    before = publish(alpha_analyst)
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="review")
    services.settle_agreement(agreement_ab.pk)
    during = publish(alpha_analyst)
    assert not sees(bravo_analyst, during)

    with django_capture_on_commit_callbacks() as settlement:
        services.reactivate_agreement(agreement_ab, actor=portal_admin, reason="review done")

    # Access returns with the reactivation itself, before any row or grant is written.
    assert sees(bravo_analyst, before)
    assert sees(bravo_analyst, during)
    assert not Dissemination.objects.filter(agreement=agreement_ab, revoked_at=None).exists()
    agreement_ab.refresh_from_db()
    assert agreement_ab.state_changed_at is not None
    event = AuditEvent.objects.get(action=AuditAction.AGREEMENT_REACTIVATED)
    assert event.details["access_began_at"] == agreement_ab.state_changed_at.isoformat()
    assert event.details["record"] == "being written"

    # The task queued on commit writes the record as of the reactivation's instant.
    assert len(settlement) == 1
    settlement[0]()
    assert sees(bravo_analyst, before)
    assert sees(bravo_analyst, during)
    # history keeps the revoked row and a new live one
    assert Dissemination.objects.filter(report=before, agreement=agreement_ab).count() == 2
    live = Dissemination.objects.filter(agreement=agreement_ab, revoked_at=None)
    assert {row.granted_at for row in live} == {agreement_ab.state_changed_at}
    assert live.count() == 2
    synced = AuditEvent.objects.filter(action=AuditAction.AGREEMENT_SYNCED).latest("id")
    assert synced.details["granted"] == 2
    assert synced.details["grants_added"] == 2


def test_termination_is_final(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst)
    services.terminate_agreement(agreement_ab, actor=portal_admin, reason="treaty denounced")
    assert not sees(bravo_analyst, report)
    with pytest.raises(ValidationError):
        services.reactivate_agreement(agreement_ab, actor=portal_admin)


def test_activation_with_existing_reports_shares_them(
    publish: Publish,
    make_agreement: Callable[..., Agreement],
    alpha_analyst: User,
    bravo_analyst: User,
    country_a: Country,
    country_b: Country,
    drugs: Category,
) -> None:
    earlier = publish(alpha_analyst)
    agreement = make_agreement([country_a, country_b], [drugs], share_existing=True, settle=False)
    # Shared from the activation on, while the rows are still to be written.
    assert agreement.pending_since is not None
    assert sees(bravo_analyst, earlier)
    assert not Dissemination.objects.filter(agreement=agreement).exists()
    services.settle_agreement(agreement.pk)
    assert sees(bravo_analyst, earlier)
    row = Dissemination.objects.get(agreement=agreement)
    assert row.report == earlier
    assert row.granted_at == agreement.pending_since


def test_activation_without_existing_reports_shares_only_new_ones(
    publish: Publish,
    make_agreement: Callable[..., Agreement],
    alpha_analyst: User,
    bravo_analyst: User,
    country_a: Country,
    country_b: Country,
    drugs: Category,
) -> None:
    earlier = publish(alpha_analyst)
    make_agreement([country_a, country_b], [drugs], share_existing=False)
    later = publish(alpha_analyst)
    assert not sees(bravo_analyst, earlier)
    assert sees(bravo_analyst, later)


def test_expiry_by_the_beat_task_revokes(
    publish: Publish,
    make_agreement: Callable[..., Agreement],
    alpha_analyst: User,
    bravo_analyst: User,
    country_a: Country,
    country_b: Country,
    drugs: Category,
) -> None:
    today = timezone.localdate()
    agreement = make_agreement([country_a, country_b], [drugs], valid_until=today)
    report = publish(alpha_analyst)
    assert sees(bravo_analyst, report)
    Agreement.objects.filter(pk=agreement.pk).update(
        valid_from=today - dt.timedelta(days=30), valid_until=today - dt.timedelta(days=1)
    )
    apply_agreement_calendar.delay()
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.EXPIRED
    assert not sees(bravo_analyst, report)
    assert AuditEvent.objects.filter(action=AuditAction.AGREEMENT_EXPIRED).exists()


def test_agreement_starting_later_comes_into_force_by_the_beat_task(
    publish: Publish,
    make_agreement: Callable[..., Agreement],
    alpha_analyst: User,
    bravo_analyst: User,
    country_a: Country,
    country_b: Country,
    drugs: Category,
) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    agreement = make_agreement(
        [country_a, country_b], [drugs], valid_from=tomorrow, share_existing=False
    )
    report = publish(alpha_analyst)
    assert not agreement.enforced
    assert not sees(bravo_analyst, report)
    services.apply_agreement_calendar(today=tomorrow)  # nothing: "today" is not tomorrow yet
    Agreement.objects.filter(pk=agreement.pk).update(
        valid_from=timezone.localdate(), shares_from=timezone.now() - dt.timedelta(hours=1)
    )
    apply_agreement_calendar.delay()
    assert sees(bravo_analyst, report)


def test_amending_scope_grants_and_revokes_at_once(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
    drugs: Category,
    arms: Category,
) -> None:
    drug_report = publish(alpha_analyst, category=drugs)
    arms_report = publish(alpha_analyst, category=arms)
    services.amend_agreement(
        agreement_ab, actor=portal_admin, reason="protocol 2", categories=[arms]
    )
    assert not sees(bravo_analyst, drug_report)
    assert sees(bravo_analyst, arms_report)


def test_lowering_the_maximum_marking_revokes_amber(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
) -> None:
    green = publish(alpha_analyst, tlp=Tlp.GREEN)
    amber = publish(alpha_analyst, tlp=Tlp.AMBER)
    services.amend_agreement(
        agreement_ab, actor=portal_admin, reason="downgrade", max_tlp=Tlp.GREEN
    )
    assert sees(bravo_analyst, green)
    assert not sees(bravo_analyst, amber)


def test_overlapping_agreements_keep_access_when_one_is_suspended(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
    agreement_abc: Agreement,
) -> None:
    report = publish(alpha_analyst)
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="bilateral review")
    assert sees(bravo_analyst, report)
    services.suspend_agreement(agreement_abc, actor=portal_admin, reason="multilateral review")
    assert not sees(bravo_analyst, report)


def test_agreement_with_one_party_is_refused_by_the_service(
    portal_admin: User, country_a: Country, drugs: Category
) -> None:
    with pytest.raises(ValidationError, match="two different party countries"):
        services.create_agreement(
            actor=portal_admin,
            title="Solo",
            reference="SOLO/1",
            parties=[country_a, country_a],
            categories=[drugs],
            max_tlp=Tlp.GREEN,
            valid_from=timezone.localdate(),
        )


def test_agreement_with_one_party_is_refused_by_the_database(
    country_a: Country, drugs: Category
) -> None:
    # The check is deferred to commit; SET CONSTRAINTS ... IMMEDIATE runs it now.
    with transaction.atomic():
        agreement = Agreement.objects.create(
            title="Solo", reference="SOLO/2", valid_from=timezone.localdate(), max_tlp=Tlp.GREEN
        )
        group = Group.objects.create(name="agreement:solo:XA")
        AgreementParty.objects.create(agreement=agreement, country=country_a, group=group)
        with connection.cursor() as cursor, pytest.raises(IntegrityError, match="at least two"):
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        transaction.set_rollback(True)


def test_agreement_maximum_cannot_exceed_amber_in_the_database(country_a: Country) -> None:
    with (
        pytest.raises(IntegrityError, match="agreement_max_tlp_country_level"),
        transaction.atomic(),
    ):
        Agreement.objects.create(
            title="x", reference="X/1", valid_from=timezone.localdate(), max_tlp=Tlp.RED
        )


def test_only_portal_admins_manage_agreements(alpha_analyst: User, agreement_ab: Agreement) -> None:
    with pytest.raises(PermissionDenied):
        services.suspend_agreement(agreement_ab, actor=alpha_analyst, reason="because")


def test_suspension_needs_a_reason(portal_admin: User, agreement_ab: Agreement) -> None:
    with pytest.raises(ValidationError, match="reason"):
        services.suspend_agreement(agreement_ab, actor=portal_admin, reason="  ")
