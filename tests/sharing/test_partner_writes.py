"""A partner system's key writes reports for its agency through the same services as people."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from agencies.models import Agency, PartnerAPIKey, PartnerSystem, Scope, User
from agencies.services import create_api_key, create_partner_system, revoke_api_key
from sharing import services
from sharing.models import AuditAction, AuditEvent, Category, Report, ReportVersion, Tlp


@pytest.fixture
def alpha_partner(alpha: Agency) -> PartnerSystem:
    return create_partner_system(actor=None, agency=alpha, name="Alpha case system")


def _key(partner: PartnerSystem, scope: str = Scope.WRITE) -> PartnerAPIKey:
    key, _ = create_api_key(partner, name="k", scope=scope, actor=None)
    return key


def _create(actor: User | PartnerAPIKey, drugs: Category) -> Report:
    return services.create_report(
        actor=actor, fields={"title": "Fuel smuggling", "category": drugs, "tlp": Tlp.GREEN}
    )


def test_a_write_key_writes_for_its_agency_and_is_recorded_as_author_and_editor(
    alpha_partner: PartnerSystem, drugs: Category
) -> None:
    key = _key(alpha_partner)
    report = _create(key, drugs)
    services.publish_report(report, actor=key)
    report.refresh_from_db()
    assert (report.originator_agency, report.author, report.author_key) == (
        alpha_partner.agency,
        None,
        key,
    )
    assert ReportVersion.objects.get(report=report).edited_by_key == key
    published = AuditEvent.objects.get(action=AuditAction.REPORT_PUBLISHED)
    assert (published.actor_key, published.agency) == (key, alpha_partner.agency)


def test_a_read_key_or_a_revoked_one_cannot_write(
    alpha_partner: PartnerSystem, drugs: Category
) -> None:
    with pytest.raises(PermissionDenied, match="read-only"):
        _create(_key(alpha_partner, Scope.READ), drugs)
    revoked = _key(alpha_partner)
    revoke_api_key(revoked, actor=None)
    with pytest.raises(PermissionDenied, match="no longer act"):
        _create(revoked, drugs)
    assert not Report.objects.exists()


def test_a_report_has_exactly_one_author(
    alpha_partner: PartnerSystem, alpha_analyst: User, drugs: Category
) -> None:
    report = _create(alpha_analyst, drugs)
    with transaction.atomic(), pytest.raises(IntegrityError, match="report_one_author"):
        Report.objects.filter(pk=report.pk).update(author_key=_key(alpha_partner))
    with transaction.atomic(), pytest.raises(IntegrityError, match="report_one_author"):
        Report.objects.filter(pk=report.pk).update(author=None)
