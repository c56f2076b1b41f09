"""Partner systems and their keys see reports only while the key, system and agency are live."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from agencies.models import Agency, PartnerAPIKey, PartnerSystem, User
from agencies.services import create_api_key, revoke_api_key
from sharing.access import may_view
from sharing.access.principals import PrincipalLike, forget
from sharing.models import Agreement, Report, Tlp

Publish = Callable[..., Report]


@pytest.fixture
def shared(publish: Publish, alpha_analyst: User, agreement_ab: Agreement) -> Report:
    """An AMBER report Bravo sees only under the XA-XB agreement."""
    return publish(alpha_analyst, tlp=Tlp.AMBER)


def _sees(subject: PrincipalLike, report: Report) -> bool:
    """Both read paths agree on the answer; it is given as on a new request."""
    forget(subject)
    listed = Report.objects.visible_to(subject).filter(pk=report.pk).exists()
    forget(subject)
    assert may_view(subject, report) == listed
    return listed


def _key(partner: PartnerSystem, expires_at: dt.datetime | None = None) -> PartnerAPIKey:
    key, _ = create_api_key(partner, name="feed", expires_at=expires_at, actor=None)
    fresh: PartnerAPIKey = PartnerAPIKey.objects.get(pk=key.pk)
    return fresh


def _kill(how: str, key: PartnerAPIKey) -> None:
    match how:
        case "revoked":
            revoke_api_key(key, actor=None, reason="leaked")
        case "expired":
            PartnerAPIKey.objects.filter(pk=key.pk).update(
                expiry_date=timezone.now() - dt.timedelta(seconds=1)
            )
        case "partner inactive":
            PartnerSystem.objects.filter(pk=key.partner_id).update(is_active=False)
        case "agency inactive":
            Agency.objects.filter(pk=key.partner.agency_id).update(is_active=False)


def test_a_live_key_and_its_partner_see_what_their_agency_sees(
    shared: Report, bravo_partner: PartnerSystem, charlie_partner: PartnerSystem
) -> None:
    key = _key(bravo_partner, expires_at=timezone.now() + dt.timedelta(days=30))
    assert _sees(key, shared)
    assert _sees(PartnerSystem.objects.get(pk=bravo_partner.pk), shared)
    assert not _sees(_key(charlie_partner), shared)


@pytest.mark.parametrize("how", ["revoked", "expired", "partner inactive", "agency inactive"])
def test_a_dead_key_resolves_to_nobody(
    shared: Report, bravo_partner: PartnerSystem, how: str
) -> None:
    key = _key(bravo_partner)
    _key(bravo_partner)  # a live sibling keeps nothing alive for the dead key
    assert _sees(key, shared)
    _kill(how, key)
    # The instance loaded before still says nothing changed: the database decides.
    assert not _sees(key, shared)


@pytest.mark.parametrize("how", ["partner inactive", "agency inactive"])
def test_an_inactive_partner_or_agency_resolves_to_nobody_whatever_its_keys(
    shared: Report, bravo_partner: PartnerSystem, how: str
) -> None:
    key = _key(bravo_partner)
    partner = PartnerSystem.objects.get(pk=bravo_partner.pk)
    assert _sees(partner, shared)
    _kill(how, key)
    assert not _sees(partner, shared)


def test_a_partner_whose_keys_are_all_revoked_or_expired_resolves_to_nobody(
    shared: Report, bravo_partner: PartnerSystem
) -> None:
    partner = PartnerSystem.objects.get(pk=bravo_partner.pk)
    assert not _sees(partner, shared)  # no key at all
    revoked, expired = _key(bravo_partner), _key(bravo_partner)
    assert _sees(partner, shared)
    _kill("revoked", revoked)
    _kill("expired", expired)
    assert not _sees(partner, shared)
    _key(bravo_partner)
    assert _sees(partner, shared)


def test_resolving_a_key_is_one_query(
    shared: Report,
    bravo_partner: PartnerSystem,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    key = _key(bravo_partner)
    key = PartnerAPIKey.objects.get(pk=key.pk)  # its partner not loaded
    with django_assert_num_queries(2):  # resolve, then the report
        assert Report.objects.visible_to(key).filter(pk=shared.pk).exists()
