"""manage.py seed_demo: running it twice changes nothing, and its data shows need-to-know."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from agencies.models import Agency, Country, Membership, Role, User
from agencies.roles import is_portal_admin
from agencies.services import set_membership
from sharing.constants import CATEGORIES, EVERY_AGENCY_GROUP
from sharing.demo.data import (
    AGREEMENTS,
    DEMO_PASSWORD,
    NO_AGREEMENT_COUNTRY,
    build_plan,
)
from sharing.models import (
    Agreement,
    AgreementState,
    AuditEvent,
    Category,
    Dissemination,
    Indicator,
    Report,
    ReportState,
    Tlp,
)

REPORTS = 40


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """Seeded once for the whole module, in a transaction rolled back at the end.

    Seeding takes seconds; each test still runs in its own savepoint (the `db` fixture), so
    what a test writes (a second seed, more reports) is undone before the next one.
    """
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        # Reference data, in case a transactional test elsewhere flushed the database.
        Group.objects.get_or_create(name=EVERY_AGENCY_GROUP)
        for code, name, description in CATEGORIES:
            Category.objects.get_or_create(
                code=code, defaults={"name": name, "description": description}
            )
        call_command("seed_demo", reports=REPORTS, verbosity=0)
        yield
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {
        "countries": Country.objects.count(),
        "agencies": Agency.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "agreements": Agreement.objects.count(),
        "published reports": Report.objects.published().count(),
        "reports": Report.objects.count(),
        "indicators": Indicator.objects.count(),
        "disseminations": Dissemination.objects.count(),
        "audit events": AuditEvent.objects.count(),
    }


def user(username: str) -> User:
    return User.objects.select_related("membership__agency").get(username=username)


def test_running_twice_gives_the_same_data(seeded: None, db: None) -> None:
    first = counts()
    out = StringIO()
    call_command("seed_demo", reports=REPORTS, stdout=out)

    assert counts() == first
    assert first["reports"] == REPORTS
    assert first["published reports"] == REPORTS - 1  # one draft among the first forty
    assert first["countries"] == 12
    assert first["agreements"] == len(AGREEMENTS)
    assert first["users"] == first["memberships"] + 1  # the portal admin has no agency
    assert "(0 new reports)" in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue()


def test_a_larger_count_adds_only_the_missing_reports(seeded: None, db: None) -> None:
    before = set(Report.objects.values_list("title", flat=True))

    call_command("seed_demo", reports=REPORTS + 5, verbosity=0)

    after = set(Report.objects.values_list("title", flat=True))
    assert before < after
    assert Report.objects.count() == REPORTS + 5


def test_reports_span_the_last_year_with_drafts_edits_and_a_retraction(
    seeded: None, db: None
) -> None:
    call_command("seed_demo", reports=REPORTS + 5, verbosity=0)
    published = Report.objects.exclude(published_at=None)
    days = {report.published_at.date() for report in published if report.published_at}
    now = timezone.now()
    assert len(days) > 30  # not all in the same minute: "newest" and trends mean something
    assert min(days) >= (now - dt.timedelta(days=366)).date()
    assert max(days) <= now.date()
    assert Report.objects.filter(state=ReportState.DRAFT).exists()
    edited = Report.objects.filter(version=2).first()
    assert edited is not None
    assert edited.versions.count() == 2
    assert edited.published_at is not None
    assert edited.modified_at > edited.published_at  # edited after publication, as of then
    retracted = Report.objects.get(state=ReportState.RETRACTED)
    assert retracted.retracted_at is not None
    assert retracted.published_at is not None
    assert retracted.retracted_at > retracted.published_at
    # The shares made on publication carry the instant the report says it was published.
    shared = published.filter(state=ReportState.PUBLISHED, tlp=Tlp.GREEN).first()
    assert shared is not None
    rows = shared.disseminations.filter(revoked_at=None).exclude(basis="originator")
    assert set(rows.values_list("granted_at", flat=True)) == {shared.published_at}


def test_reports_of_an_author_moved_to_another_agency_are_skipped(seeded: None, db: None) -> None:
    planned = build_plan(REPORTS + 1, timezone.localdate())[-1]
    author = user(planned.author)
    elsewhere = Agency.objects.exclude(code=planned.agency).first()
    assert elsewhere is not None
    set_membership(author, elsewhere, Role.ANALYST, actor=None)

    call_command("seed_demo", reports=REPORTS + 1, verbosity=0)

    assert Report.objects.count() == REPORTS
    assert not Report.objects.filter(author=author, title=planned.fields["title"]).exists()


def test_demo_accounts_sign_in_with_the_demo_password(seeded: None, db: None) -> None:
    admin = user("admin")
    analyst = user("co-policia.analyst")

    assert admin.is_staff
    assert admin.is_superuser
    assert is_portal_admin(admin)
    assert admin.user_permissions.filter(codename="portal_admin").exists()  # shown as held
    assert admin.check_password(DEMO_PASSWORD)
    assert analyst.check_password(DEMO_PASSWORD)
    assert analyst.agency is not None
    assert analyst.agency.code == "co-policia"


def test_country_without_agreement_sees_only_clear_reports_of_others(
    seeded: None, db: None
) -> None:
    analyst = user(f"{NO_AGREEMENT_COUNTRY.lower()}-pf.analyst")

    foreign = Report.objects.visible_to(analyst).exclude(
        originator_country__code=NO_AGREEMENT_COUNTRY
    )

    assert foreign.exists()
    assert set(foreign.values_list("tlp", flat=True)) == {Tlp.CLEAR}
    assert not (
        Report.objects.visible_to(user("co-policia.analyst"))
        .filter(originator_country__code=NO_AGREEMENT_COUNTRY, tlp__gt=Tlp.CLEAR)
        .exists()
    )


def test_ecuador_peru_agreement_is_suspended_and_shares_nothing(seeded: None, db: None) -> None:
    spec = next(a for a in AGREEMENTS if a.suspend_reason)
    agreement = Agreement.objects.get(reference=spec.reference)
    ecuadorian = Report.objects.filter(
        originator_country__code="EC", category__code="migrant-smuggling", tlp=Tlp.GREEN
    )

    assert agreement.state == AgreementState.SUSPENDED
    assert {c.code for c in agreement.parties.all()} == {"EC", "PE"}
    assert ecuadorian.exists()
    assert (
        not Report.objects.visible_to(user("pe-policia.analyst")).filter(pk__in=ecuadorian).exists()
    )
    assert (
        Report.objects.visible_to(user("co-migracion.analyst")).filter(pk__in=ecuadorian).exists()
    )


def test_colombia_peru_protocol_shares_green_arms_reports_only(seeded: None, db: None) -> None:
    peruvian = Report.objects.visible_to(user("pe-policia.analyst"))
    ecuadorian = Report.objects.visible_to(user("ec-policia.analyst"))
    colombian = Report.objects.published().filter(originator_country__code="CO")
    green_arms = colombian.filter(category__code="arms-trafficking", tlp=Tlp.GREEN)
    green_drugs = colombian.filter(category__code="drug-trafficking", tlp=Tlp.GREEN)
    amber_arms = colombian.filter(category__code="arms-trafficking", tlp=Tlp.AMBER)

    assert green_arms.exists()
    assert green_drugs.exists()
    assert amber_arms.exists()
    assert peruvian.filter(pk__in=green_arms).exists()
    assert not peruvian.filter(pk__in=green_drugs).exists()
    assert not peruvian.filter(pk__in=amber_arms).exists()
    assert ecuadorian.filter(pk__in=green_drugs).exists()


def test_red_report_reaches_only_the_named_agency(seeded: None, db: None) -> None:
    red = Report.objects.filter(
        originator_country__code="KE", tlp=Tlp.RED, recipients__code="tz-tawa"
    )

    assert red.exists()
    assert Report.objects.visible_to(user("tz-tawa.analyst")).filter(pk__in=red).exists()
    assert not Report.objects.visible_to(user("tz-police.analyst")).filter(pk__in=red).exists()
