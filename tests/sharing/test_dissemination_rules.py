"""Each need-to-know rule of DESIGN.md, one behaviour per test."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agencies.models import Agency, Country, PartnerSystem, User
from agencies.services import create_api_key
from sharing import services
from sharing.models import (
    Agreement,
    AuditAction,
    Category,
    Dissemination,
    DisseminationBasis,
    HandlingCode,
    Report,
    Tlp,
)
from tests.helpers import denials, sees

Publish = Callable[..., Report]


def test_tlp_clear_goes_to_every_agency_even_without_agreement(
    publish: Publish, alpha_analyst: User, charlie_analyst: User, bravo_analyst: User
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.CLEAR)
    assert sees(charlie_analyst, report)
    assert sees(bravo_analyst, report)


def test_originator_agency_always_sees_its_report_even_red(
    publish: Publish, alpha_analyst: User, alpha_supervisor: User, charlie: Agency
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.RED, recipients=[charlie])
    assert sees(alpha_supervisor, report)


@pytest.mark.parametrize("tlp", [Tlp.GREEN, Tlp.AMBER])
def test_originator_country_sees_reports_up_to_amber(
    publish: Publish, alpha_analyst: User, alpha_customs_analyst: User, tlp: int
) -> None:
    assert sees(alpha_customs_analyst, publish(alpha_analyst, tlp=tlp))


@pytest.mark.parametrize("tlp", [Tlp.AMBER_STRICT, Tlp.RED])
def test_originator_country_does_not_see_strict_or_red(
    publish: Publish, alpha_analyst: User, alpha_customs_analyst: User, charlie: Agency, tlp: int
) -> None:
    assert not sees(alpha_customs_analyst, publish(alpha_analyst, tlp=tlp, recipients=[charlie]))


def test_agreement_partner_sees_report_in_scope(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.AMBER)
    assert sees(bravo_analyst, report)
    row = Dissemination.objects.get(report=report, recipient_country__code="XB")
    assert row.basis == DisseminationBasis.AGREEMENT
    assert row.agreement == agreement_ab


def test_country_without_agreement_sees_nothing(
    publish: Publish, alpha_analyst: User, charlie_analyst: User, agreement_ab: Agreement
) -> None:
    assert not sees(charlie_analyst, publish(alpha_analyst, tlp=Tlp.GREEN))


def test_agreement_not_covering_category_shares_nothing(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
    arms: Category,
) -> None:
    assert not sees(bravo_analyst, publish(alpha_analyst, category=arms))


def test_marking_above_agreement_maximum_is_not_shared(
    publish: Publish,
    make_agreement: Callable[..., Agreement],
    alpha_analyst: User,
    bravo_analyst: User,
    country_a: Country,
    country_b: Country,
    drugs: Category,
) -> None:
    make_agreement([country_a, country_b], [drugs], max_tlp=Tlp.GREEN)
    assert sees(bravo_analyst, publish(alpha_analyst, tlp=Tlp.GREEN))
    assert not sees(bravo_analyst, publish(alpha_analyst, tlp=Tlp.AMBER))


@pytest.mark.parametrize("tlp", [Tlp.AMBER_STRICT, Tlp.RED])
def test_strict_and_red_never_go_to_a_whole_partner_country(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    charlie: Agency,
    agreement_ab: Agreement,
    tlp: int,
) -> None:
    report = publish(alpha_analyst, tlp=tlp, recipients=[charlie])
    assert not sees(bravo_analyst, report)
    assert not Dissemination.objects.filter(report=report, recipient_country__isnull=False).exists()


@pytest.mark.parametrize("tlp", [Tlp.AMBER_STRICT, Tlp.RED])
def test_strict_and_red_reach_named_recipient_agencies_only(
    publish: Publish,
    alpha_analyst: User,
    bravo: Agency,
    bravo_analyst: User,
    alpha_customs_analyst: User,
    charlie_analyst: User,
    tlp: int,
) -> None:
    report = publish(alpha_analyst, tlp=tlp, recipients=[bravo])
    assert sees(bravo_analyst, report)
    assert not sees(alpha_customs_analyst, report)
    assert not sees(charlie_analyst, report)


def test_rel_to_narrows_agreement_partners(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    charlie_analyst: User,
    country_c: Country,
    agreement_abc: Agreement,
) -> None:
    report = publish(alpha_analyst, rel_to=[country_c])
    assert sees(charlie_analyst, report)
    assert not sees(bravo_analyst, report)


def test_named_recipient_outside_rel_to_is_refused(
    publish: Publish, alpha_analyst: User, bravo: Agency, country_c: Country
) -> None:
    with pytest.raises(ValidationError, match="outside the REL TO"):
        publish(alpha_analyst, rel_to=[country_c], recipients=[bravo])


def test_drafts_stay_with_the_originator_agency(
    publish: Publish,
    alpha_analyst: User,
    alpha_supervisor: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
) -> None:
    draft = publish(alpha_analyst, draft=True, tlp=Tlp.CLEAR)
    assert sees(alpha_supervisor, draft)
    assert not sees(bravo_analyst, draft)


def test_retraction_revokes_every_grant_but_the_originators(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst)
    services.retract_report(report, actor=alpha_analyst, reason="source withdrew")
    assert not sees(bravo_analyst, report)
    assert sees(alpha_analyst, report)
    revoked = Dissemination.objects.get(report=report, recipient_country__code="XB")
    assert revoked.revoked_at is not None
    assert revoked.revoke_reason == "retracted"


def test_raising_the_marking_on_edit_revokes_partner_access(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    charlie: Agency,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    services.edit_report(
        report,
        actor=alpha_analyst,
        changes={"tlp": Tlp.RED},
        recipients=[charlie],
        change_note="sensitive",
    )
    assert not sees(bravo_analyst, report)
    assert report.versions.count() == 2


def test_approved_access_request_grants_the_requesting_agency(
    publish: Publish, alpha_analyst: User, alpha_supervisor: User, charlie_analyst: User
) -> None:
    report = publish(alpha_analyst)
    request = services.request_access(report, actor=charlie_analyst, justification="same smuggler")
    assert not sees(charlie_analyst, report)
    services.decide_access_request(request, actor=alpha_supervisor, approve=True, note="ok")
    assert sees(charlie_analyst, report)
    assert Dissemination.objects.filter(
        report=report, basis=DisseminationBasis.ACCESS_REQUEST, revoked_at=None
    ).exists()


def test_only_the_originator_supervisor_decides_access_requests(
    publish: Publish, alpha_analyst: User, bravo_supervisor: User, charlie_analyst: User
) -> None:
    report = publish(alpha_analyst)
    request = services.request_access(report, actor=charlie_analyst, justification="same smuggler")
    with pytest.raises(PermissionDenied):
        services.decide_access_request(request, actor=bravo_supervisor, approve=True)
    with pytest.raises(PermissionDenied):
        services.decide_access_request(request, actor=alpha_analyst, approve=True)


@pytest.mark.parametrize("code", [HandlingCode.H2, HandlingCode.H3])
def test_no_onward_dissemination_of_h2_and_h3_reports(
    publish: Publish,
    alpha_analyst: User,
    bravo_supervisor: User,
    charlie: Agency,
    charlie_analyst: User,
    agreement_ab: Agreement,
    code: str,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN, handling_code=code)
    with pytest.raises(PermissionDenied, match="handling code"):
        services.forward_report(report, charlie, actor=bravo_supervisor, justification="joint case")
    assert not sees(charlie_analyst, report)
    # The refused attempt stays on the record.
    denied = denials().get(action=AuditAction.GRANTED)
    assert denied.recipients == ["agency:charlie"]
    assert denied.details["basis"] == "forwarded"


def test_h0_green_report_may_be_forwarded_by_a_recipient(
    publish: Publish,
    alpha_analyst: User,
    bravo_supervisor: User,
    charlie: Agency,
    charlie_analyst: User,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN, handling_code=HandlingCode.H0)
    services.forward_report(report, charlie, actor=bravo_supervisor, justification="joint case")
    assert sees(charlie_analyst, report)
    row = Dissemination.objects.get(report=report, basis=DisseminationBasis.FORWARDED)
    assert row.forwarded_by is not None
    assert row.forwarded_by.code == "bravo"


def test_amber_report_cannot_be_forwarded_beyond_the_recipient(
    publish: Publish,
    alpha_analyst: User,
    bravo_supervisor: User,
    charlie: Agency,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.AMBER)
    with pytest.raises(PermissionDenied, match="marking"):
        services.forward_report(report, charlie, actor=bravo_supervisor, justification="joint case")


def test_model_level_view_permission_never_means_sees_all(
    publish: Publish, alpha_analyst: User, charlie_analyst: User
) -> None:
    from django.contrib.auth.models import Permission

    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    charlie_analyst.user_permissions.add(Permission.objects.get(codename="view_report"))
    for group in charlie_analyst.groups.all():
        group.permissions.add(Permission.objects.get(codename="view_report"))
    assert not sees(User.objects.get(pk=charlie_analyst.pk), report)


def test_partner_system_sees_what_its_agency_sees(
    publish: Publish,
    alpha_analyst: User,
    bravo_partner: PartnerSystem,
    charlie_partner: PartnerSystem,
    agreement_ab: Agreement,
) -> None:
    for partner in (bravo_partner, charlie_partner):
        create_api_key(partner, name="feed", actor=None)  # keyless partners resolve to nobody
    report = publish(alpha_analyst)
    assert Report.objects.visible_to(bravo_partner).filter(pk=report.pk).exists()
    assert not Report.objects.visible_to(charlie_partner).filter(pk=report.pk).exists()


def test_user_without_agency_sees_nothing(
    publish: Publish, alpha_analyst: User, portal_admin: User
) -> None:
    publish(alpha_analyst, tlp=Tlp.CLEAR)
    assert not Report.objects.visible_to(portal_admin).exists()


def test_only_the_originator_agency_may_edit(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst)
    with pytest.raises(PermissionDenied):
        services.edit_report(report, actor=bravo_analyst, changes={"title": "mine now"})
