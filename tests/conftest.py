"""The named cast every test reuses.

Alpha (country XA) originates reports; Bravo (XB) has an active agreement with XA covering
drug trafficking and migrant smuggling up to TLP:AMBER; Charlie (XC) has no agreement at all.
Alpha-Customs is a second agency of XA. Each agency has a partner system.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Country, PartnerSystem, Role, User
from agencies.services import create_agency, create_country, create_partner_system, set_membership
from sharing import services
from sharing.constants import CATEGORIES, EVERY_AGENCY_GROUP
from sharing.models import Agreement, Category, Report, Tlp

PASSWORD = "correct horse battery staple"


@pytest.fixture
def categories(db: None) -> dict[str, Category]:
    """Reference data (re-created when a transactional test flushed it)."""
    Group.objects.get_or_create(name=EVERY_AGENCY_GROUP)
    for code, name, description in CATEGORIES:
        Category.objects.get_or_create(code=code, defaults={"name": name, "description": description})
    return {c.code: c for c in Category.objects.all()}


@pytest.fixture
def drugs(categories: dict[str, Category]) -> Category:
    return categories["drug-trafficking"]


@pytest.fixture
def arms(categories: dict[str, Category]) -> Category:
    return categories["arms-trafficking"]


@pytest.fixture
def country_a(categories: Any) -> Country:
    return create_country(code="XA", name="Alphaland")


@pytest.fixture
def country_b(categories: Any) -> Country:
    return create_country(code="XB", name="Bravonia")


@pytest.fixture
def country_c(categories: Any) -> Country:
    return create_country(code="XC", name="Charlistan")


@pytest.fixture
def alpha(country_a: Country) -> Agency:
    return create_agency(code="alpha", name="Alpha Border Guard", kind=AgencyKind.BORDER_GUARD, country=country_a)


@pytest.fixture
def alpha_customs(country_a: Country) -> Agency:
    return create_agency(code="alpha-customs", name="Alpha Customs", kind=AgencyKind.CUSTOMS, country=country_a)


@pytest.fixture
def bravo(country_b: Country) -> Agency:
    return create_agency(code="bravo", name="Bravo Police", kind=AgencyKind.POLICE, country=country_b)


@pytest.fixture
def charlie(country_c: Country) -> Agency:
    return create_agency(code="charlie", name="Charlie Coast Guard", kind=AgencyKind.COAST_GUARD, country=country_c)


@pytest.fixture
def make_member(db: None) -> Callable[..., User]:
    def make(username: str, agency: Agency, role: str = Role.ANALYST) -> User:
        user = User.objects.create_user(username=username, password=PASSWORD)
        set_membership(user, agency, role, actor=None)
        return User.objects.get(pk=user.pk)

    return make


@pytest.fixture
def alpha_analyst(make_member: Callable[..., User], alpha: Agency) -> User:
    return make_member("alpha.analyst", alpha)


@pytest.fixture
def alpha_supervisor(make_member: Callable[..., User], alpha: Agency) -> User:
    return make_member("alpha.supervisor", alpha, Role.SUPERVISOR)


@pytest.fixture
def alpha_customs_analyst(make_member: Callable[..., User], alpha_customs: Agency) -> User:
    return make_member("alphacustoms.analyst", alpha_customs)


@pytest.fixture
def bravo_analyst(make_member: Callable[..., User], bravo: Agency) -> User:
    return make_member("bravo.analyst", bravo)


@pytest.fixture
def bravo_supervisor(make_member: Callable[..., User], bravo: Agency) -> User:
    return make_member("bravo.supervisor", bravo, Role.SUPERVISOR)


@pytest.fixture
def charlie_analyst(make_member: Callable[..., User], charlie: Agency) -> User:
    return make_member("charlie.analyst", charlie)


@pytest.fixture
def portal_admin(db: None) -> User:
    return User.objects.create_user(username="portal.admin", password=PASSWORD, is_staff=True, is_superuser=True)


@pytest.fixture
def bravo_partner(bravo: Agency) -> PartnerSystem:
    return create_partner_system(agency=bravo, name="Bravo case system")


@pytest.fixture
def charlie_partner(charlie: Agency) -> PartnerSystem:
    return create_partner_system(agency=charlie, name="Charlie MISP")


@pytest.fixture
def make_agreement(portal_admin: User) -> Callable[..., Agreement]:
    def make(
        parties: list[Country],
        categories: list[Category],
        *,
        max_tlp: int = Tlp.AMBER,
        activate: bool = True,
        share_existing: bool = True,
        valid_from: dt.date | None = None,
        valid_until: dt.date | None = None,
        reference: str | None = None,
    ) -> Agreement:
        agreement = services.create_agreement(
            actor=portal_admin,
            title="-".join(c.code for c in parties) + " cooperation",
            reference=reference or f"MOU/{'-'.join(c.code for c in parties)}/{Agreement.objects.count() + 1}",
            parties=parties,
            categories=categories,
            max_tlp=max_tlp,
            valid_from=valid_from or timezone.localdate() - dt.timedelta(days=365),
            valid_until=valid_until,
        )
        if activate:
            services.activate_agreement(agreement, actor=portal_admin, share_existing=share_existing)
        agreement.refresh_from_db()
        return agreement

    return make


@pytest.fixture
def agreement_ab(
    make_agreement: Callable[..., Agreement], country_a: Country, country_b: Country, categories: dict[str, Category]
) -> Agreement:
    return make_agreement(
        [country_a, country_b], [categories["drug-trafficking"], categories["migrant-smuggling"]], max_tlp=Tlp.AMBER
    )


@pytest.fixture
def publish(drugs: Category) -> Callable[..., Report]:
    """Create and publish a report as `author`; keyword arguments override fields."""

    def make(
        author: User,
        *,
        rel_to: list[Country] = (),  # type: ignore[assignment]
        recipients: list[Agency] = (),  # type: ignore[assignment]
        draft: bool = False,
        **fields: Any,
    ) -> Report:
        values = {"title": "Cocaine in banana containers", "category": drugs, "tlp": Tlp.GREEN, **fields}
        report = services.create_report(actor=author, fields=values, rel_to=rel_to, recipients=recipients)
        if not draft:
            services.publish_report(report, actor=author)
        report.refresh_from_db()
        return report

    return make
