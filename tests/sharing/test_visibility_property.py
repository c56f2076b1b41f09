"""Property: for random worlds, every answer to "who sees this" equals a plain model of the rules.

visible_to, the report list's pages (newest_visible), has_perm and explain_visibility, for
analysts, their agencies' partner keys and a portal admin. Also between an agreement's change of
force and the background step that writes its record: agreements are left pending, suspended
unsettled or amended while suspended, reports are published and edited meanwhile, agencies are
deactivated, and the checks run before each settlement as well as after.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.models import Agency, AgencyKind, Country, PartnerAPIKey, User
from agencies.services import create_agency, create_api_key, create_country, create_partner_system
from sharing import services
from sharing.access import category_counts, explain_visibility
from sharing.models import (
    Agreement,
    Category,
    Dissemination,
    DisseminationBasis,
    Priority,
    Report,
    ReportFilters,
    Tlp,
)
from sharing.pagination import newest_first

CODES = ["XA", "XB", "XC", "XD"]
AGENCIES = ["alpha", "alpha-customs", "bravo", "charlie", "delta"]
AGENCY_COUNTRY = {
    "alpha": "XA",
    "alpha-customs": "XA",
    "bravo": "XB",
    "charlie": "XC",
    "delta": "XD",
}
CATEGORIES = ["drug-trafficking", "arms-trafficking", "migrant-smuggling"]
# Repeats bias the draws towards the cases where sharing happens (and so can go wrong).
# "narrowed": suspended, amended to `narrow` categories while suspended, reactivated.
FATES = [
    "active",
    "active",
    "reactivated",
    "narrowed",
    "draft",
    "suspended",
    "terminated",
    "expired",
    "future",
]
LANGUAGES = ["en", "es", "fr"]
MARKINGS = [Tlp.CLEAR, Tlp.GREEN, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED]

agreements_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "parties": st.sets(st.sampled_from(CODES), min_size=2),
            "categories": st.sets(st.sampled_from(CATEGORIES), min_size=1),
            "max_tlp": st.sampled_from([Tlp.GREEN, Tlp.AMBER]),
            "fate": st.sampled_from(FATES),
            "share_existing": st.booleans(),
            "narrow": st.sets(st.sampled_from(CATEGORIES), min_size=1),
            # After which lifecycle steps the background settlement runs before the next one.
            "settled_steps": st.lists(st.booleans(), min_size=3, max_size=3),
        }
    ),
    max_size=4,
)
# Agencies deactivated once the reports are out: their people and keys see nothing more.
inactive_strategy = st.sets(st.sampled_from(AGENCIES), max_size=2)
reports_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "originator": st.sampled_from(AGENCIES),
            "category": st.sampled_from(CATEGORIES),
            "tlp": st.sampled_from(MARKINGS),
            "rel_to": st.sets(st.sampled_from(CODES), max_size=2),
            "recipients": st.sets(st.sampled_from(AGENCIES), max_size=2),
            "late": st.booleans(),
            # Edited while agreements are still being settled: a new category, or none.
            "edit": st.none() | st.sampled_from(CATEGORIES),
            "priority": st.sampled_from(Priority.values),
            "language": st.sampled_from(LANGUAGES),
        }
    ),
    min_size=1,
    max_size=8,
)


def expected_visible(
    report: dict[str, Any],
    agency: str,
    agreements: list[dict[str, Any]],
    inactive: Collection[str],
) -> bool:
    """The need-to-know rules of DESIGN.md, written plainly and independently of the code."""
    if agency in inactive:
        return False
    origin = AGENCY_COUNTRY[report["originator"]]
    country = AGENCY_COUNTRY[agency]
    tlp = report["tlp"]
    if agency == report["originator"] or tlp == Tlp.CLEAR or agency in report["recipients"]:
        return True
    if tlp > Tlp.AMBER:
        return False
    if country == origin:
        return True
    for a in agreements:
        if (
            a["fate"] in ("active", "reactivated", "narrowed")
            and origin in a["parties"]
            and country in a["parties"]
            and report["category"] in _categories(a)
            and tlp <= a["max_tlp"]
            and (report["late"] or a["share_existing"])
            and (not report["rel_to"] or country in report["rel_to"])
        ):
            return True
    return False


def _categories(agreement: dict[str, Any]) -> set[str]:
    return set(agreement["narrow"] if agreement["fate"] == "narrowed" else agreement["categories"])


@pytest.fixture
def world(
    categories: dict[str, Category], portal_admin: User, make_member: Callable[..., User]
) -> dict[str, Any]:
    countries = {
        code: create_country(actor=None, code=code, name=f"Country {code}") for code in CODES
    }
    agencies = {
        code: create_agency(
            actor=None,
            code=code,
            name=code.title(),
            kind=AgencyKind.POLICE,
            country=countries[AGENCY_COUNTRY[code]],
        )
        for code in AGENCIES
    }
    users = {code: make_member(f"{code}.analyst", agencies[code]) for code in AGENCIES}
    keys = {
        code: create_api_key(
            create_partner_system(actor=None, agency=agencies[code], name="Case system"),
            name="feed",
            actor=None,
        )[0]
        for code in AGENCIES
    }
    return {
        "countries": countries,
        "agencies": agencies,
        "users": users,
        "keys": keys,
        "categories": categories,
        "admin": portal_admin,
    }


def _publish(world: dict[str, Any], spec: dict[str, Any]) -> Report:
    agencies: dict[str, Agency] = world["agencies"]
    countries: dict[str, Country] = world["countries"]
    rel_to = [countries[c] for c in sorted(spec["rel_to"])]
    named = [
        a
        for a in sorted(spec["recipients"])
        if not spec["rel_to"] or AGENCY_COUNTRY[a] in spec["rel_to"]
    ]
    if spec["tlp"] >= Tlp.AMBER_STRICT and not named:
        # Publishing refuses these markings without a named agency: name the first one REL TO
        # allows (the originator itself when REL TO holds only its country and no other agency).
        named = [
            a
            for a in AGENCIES
            if a != spec["originator"]
            and (not spec["rel_to"] or AGENCY_COUNTRY[a] in spec["rel_to"])
        ][:1] or [spec["originator"]]
    recipients = [agencies[a] for a in named]
    spec["recipients"] = {a.code for a in recipients}
    author = world["users"][spec["originator"]]
    report = services.create_report(
        actor=author,
        fields={
            "title": "t",
            "category": world["categories"][spec["category"]],
            "tlp": spec["tlp"],
            "priority": spec.get("priority", Priority.ROUTINE),
            "language": spec.get("language", "en"),
        },
        rel_to=rel_to,
        recipients=recipients,
    )
    services.publish_report(report, actor=author)
    return report


def _agreement(world: dict[str, Any], index: int, spec: dict[str, Any]) -> None:
    admin = world["admin"]
    steps = iter(spec["settled_steps"])

    def step() -> None:
        # The background step, or not yet (it runs, or not, before the next change).
        if next(steps, False):
            services.settle_agreement(agreement.pk)

    today = timezone.localdate()
    valid_from = (
        today + dt.timedelta(days=5) if spec["fate"] == "future" else today - dt.timedelta(days=400)
    )
    agreement = services.create_agreement(
        actor=admin,
        title=f"Agreement {index}",
        reference=f"PROP/{index}",
        parties=[world["countries"][c] for c in sorted(spec["parties"])],
        categories=[world["categories"][c] for c in sorted(spec["categories"])],
        max_tlp=spec["max_tlp"],
        valid_from=valid_from,
    )
    if spec["fate"] == "draft":
        return
    services.activate_agreement(agreement, actor=admin, share_existing=spec["share_existing"])
    step()
    match spec["fate"]:
        case "suspended":
            services.suspend_agreement(agreement, actor=admin, reason="property")
        case "reactivated":
            services.suspend_agreement(agreement, actor=admin, reason="property")
            step()
            services.reactivate_agreement(agreement, actor=admin)
        case "narrowed":
            services.suspend_agreement(agreement, actor=admin, reason="property")
            step()
            services.amend_agreement(
                agreement,
                actor=admin,
                reason="property",
                categories=[world["categories"][c] for c in sorted(spec["narrow"])],
            )
            step()
            services.reactivate_agreement(agreement, actor=admin)
        case "terminated":
            services.terminate_agreement(agreement, actor=admin, reason="property")
        case "expired":
            Agreement.objects.filter(pk=agreement.pk).update(
                valid_until=today - dt.timedelta(days=1)
            )


def _all_pages(user: User) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        page = newest_first(Report.objects.all(), cursor, 2, visible_to=user)
        ids += [report.pk for report in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    agreement_specs=agreements_strategy,
    report_specs=reports_strategy,
    inactive=inactive_strategy,
)
def test_every_answer_to_who_sees_a_report_matches_the_rules(
    world: dict[str, Any],
    agreement_specs: list[dict[str, Any]],
    report_specs: list[dict[str, Any]],
    inactive: set[str],
) -> None:
    # The checks hold at every instant, so the settlements (in the background in production:
    # on_commit never fires inside this transaction) run only where the test calls them.
    with transaction.atomic():
        early = [(spec, _publish(world, spec)) for spec in report_specs if not spec["late"]]
        for index, spec in enumerate(agreement_specs):
            _agreement(world, index, spec)
        late = [(spec, _publish(world, spec)) for spec in report_specs if spec["late"]]
        reports = early + late
        for spec, report in reports:
            _edit(world, spec, report)
        Agency.objects.filter(code__in=inactive).update(is_active=False)
        # Agreements pending or unsettled: the rule answers for them until settled.
        _check(world, agreement_specs, inactive, reports, explain=True)
        unsettled = Agreement.objects.exclude(unsettled_since=None, pending_since=None)
        for agreement in unsettled.order_by("-pk"):
            services.settle_agreement(agreement.pk)
            _check(world, agreement_specs, inactive, reports)
        # The calendar expires the lapsed agreement and settles that too.
        services.apply_agreement_calendar()
        _check(world, agreement_specs, inactive, reports, explain=True)
        _check_record(world, agreement_specs, reports)
        transaction.set_rollback(True)


def _edit(world: dict[str, Any], spec: dict[str, Any], report: Report) -> None:
    if spec["edit"] is None:
        return
    author = world["users"][spec["originator"]]
    changes = {"category": world["categories"][spec["edit"]]}
    services.edit_report(report, actor=author, changes=changes, change_note="property")
    spec["category"] = spec["edit"]


def _check(
    world: dict[str, Any],
    agreement_specs: list[dict[str, Any]],
    inactive: set[str],
    reports: list[tuple[dict[str, Any], Report]],
    *,
    explain: bool = False,
) -> None:
    """Every answer, as a new request gets it; explanations (several queries each) when asked."""
    view = "sharing.view_report"
    for code in AGENCIES:
        user = User.objects.get(pk=world["users"][code].pk)
        key = PartnerAPIKey.objects.get(pk=world["keys"][code].pk)
        agency = Agency.objects.select_related("country").get(code=code)
        seen = set(Report.objects.visible_to(user).values_list("pk", flat=True))
        assert set(Report.objects.visible_to(key).values_list("pk", flat=True)) == seen
        for spec, report in reports:
            expected = expected_visible(spec, code, agreement_specs, inactive)
            context = (code, spec, agreement_specs, inactive)
            assert (report.pk in seen) == expected, context
            assert user.has_perm(view, report) == expected, context
            if explain:
                fresh = Report.objects.get(pk=report.pk)
                answer = explain_visibility(fresh, agency)
                assert answer.visible == expected, (*context, answer)
        # The report list reads the same reports in list order, page by page.
        listed = Report.objects.visible_to(user).published().order_by("-published_at", "-id")
        assert _all_pages(user) == list(listed.values_list("pk", flat=True))
    # The portal admin belongs to no agency: need-to-know gives it nothing.
    admin = User.objects.get(pk=world["admin"].pk)
    assert not Report.objects.visible_to(admin).exists()
    assert not any(admin.has_perm(view, report) for _, report in reports)


def _check_record(
    world: dict[str, Any],
    agreement_specs: list[dict[str, Any]],
    reports: list[tuple[dict[str, Any], Report]],
) -> None:
    """Settled, the live agreement rows are exactly the shares the rules give."""
    references = {f"PROP/{index}": spec for index, spec in enumerate(agreement_specs)}
    for spec, report in reports:
        live = set(
            Dissemination.objects.filter(
                report=report, basis=DisseminationBasis.AGREEMENT, revoked_at=None
            ).values_list("agreement__reference", "recipient_country__code")
        )
        expected = {
            (reference, country)
            for reference, a in references.items()
            for country in a["parties"]
            if country != AGENCY_COUNTRY[spec["originator"]] and _shares(spec, country, a)
        }
        assert live == expected, (spec, agreement_specs)


def _shares(report: dict[str, Any], country: str, agreement: dict[str, Any]) -> bool:
    """Whether `agreement` alone shares the report with `country` (the agreement rule only)."""
    return (
        agreement["fate"] in ("active", "reactivated", "narrowed")
        and AGENCY_COUNTRY[report["originator"]] in agreement["parties"]
        and country in agreement["parties"]
        and Tlp.GREEN <= report["tlp"] <= Tlp.AMBER
        and report["tlp"] <= agreement["max_tlp"]
        and report["category"] in _categories(agreement)
        and (report["late"] or agreement["share_existing"])
        and (not report["rel_to"] or country in report["rel_to"])
    )


# The report list's filters: each field left out or set; the date range's ends are positions in
# the list of published reports (so they fall before, between or on the reports' instants).
filters_strategy = st.fixed_dictionaries(
    {
        "category": st.none() | st.sampled_from(CATEGORIES),
        "tlp": st.none() | st.sampled_from(sorted(set(MARKINGS))),
        "country": st.none() | st.sampled_from(CODES),
        "priority": st.none() | st.sampled_from(Priority.values),
        "language": st.none() | st.sampled_from(LANGUAGES),
        "since": st.none() | st.integers(min_value=0, max_value=8),
        "until": st.none() | st.integers(min_value=0, max_value=8),
    }
)


def _matches(spec: dict[str, Any], when: dt.datetime, f: dict[str, Any]) -> bool:
    """The filters, written plainly against the report's spec."""
    return (
        f["category"] in (None, spec["category"])
        and f["tlp"] in (None, spec["tlp"])
        and f["country"] in (None, AGENCY_COUNTRY[spec["originator"]])
        and f["priority"] in (None, spec["priority"])
        and f["language"] in (None, spec["language"])
        and (f["since_at"] is None or when >= f["since_at"])
        and (f["until_at"] is None or when < f["until_at"])
    )


def _filtered_pages(user: User, filters: ReportFilters, scan: int | None) -> list[int]:
    """Every page of two; `scan` rows read per walk before the filters' indexes take over."""
    ids: list[int] = []
    if scan is None:  # the list's own path, cursors and all
        cursor = None
        while True:
            page = newest_first(Report.objects.all(), cursor, 2, visible_to=user, filters=filters)
            ids += [report.pk for report in page.items]
            if page.next_cursor is None:
                return ids
            cursor = page.next_cursor
    before: tuple[dt.datetime, int] | None = None
    while True:
        rows = list(
            Report.objects.filtered_newest_visible(user, filters, 2, before, scan=scan).values_list(
                "pk", "published_at"
            )
        )
        ids += [pk for pk, _ in rows]
        if len(rows) < 2:
            return ids
        last_pk, last_at = rows[-1]
        assert last_at is not None
        before = (last_at, last_pk)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    agreement_specs=agreements_strategy,
    report_specs=reports_strategy,
    filter_specs=st.lists(filters_strategy, min_size=1, max_size=3),
    # Rows each walk reads before the filters' indexes answer: few, so that both ways and the
    # hand-over between them are exercised on small worlds; None: the list's default.
    scan=st.none() | st.integers(min_value=1, max_value=3),
)
def test_filtered_report_list_is_visible_to_filtered(
    world: dict[str, Any],
    agreement_specs: list[dict[str, Any]],
    report_specs: list[dict[str, Any]],
    filter_specs: list[dict[str, Any]],
    scan: int | None,
) -> None:
    """Filtered pages of the list equal visible_to() filtered, and the rules filtered."""
    with transaction.atomic():
        early = [(spec, _publish(world, spec)) for spec in report_specs if not spec["late"]]
        for index, spec in enumerate(agreement_specs):
            _agreement(world, index, spec)
        late = [(spec, _publish(world, spec)) for spec in report_specs if spec["late"]]
        reports = early + late
        for spec, report in reports:
            _edit(world, spec, report)
        # Checked while agreements are pending or unsettled, then once all are settled.
        _check_filtered(world, agreement_specs, reports, filter_specs, scan)
        for agreement in Agreement.objects.exclude(unsettled_since=None, pending_since=None):
            services.settle_agreement(agreement.pk)
        _check_filtered(world, agreement_specs, reports, filter_specs, scan)
        transaction.set_rollback(True)


def _check_filtered(
    world: dict[str, Any],
    agreement_specs: list[dict[str, Any]],
    reports: list[tuple[dict[str, Any], Report]],
    filter_specs: list[dict[str, Any]],
    scan: int | None,
) -> None:
    published: dict[int, dt.datetime] = {
        pk: when
        for pk, when in Report.objects.filter(pk__in=[r.pk for _, r in reports]).values_list(
            "pk", "published_at"
        )
        if when is not None
    }
    instants = sorted(set(published.values()))
    countries: dict[str, Country] = world["countries"]
    for f in filter_specs:

        def instant(position: int | None) -> dt.datetime | None:
            if position is None:
                return None
            return (
                instants[position]
                if position < len(instants)
                else instants[-1] + dt.timedelta(seconds=1)
            )

        f = {**f, "since_at": instant(f["since"]), "until_at": instant(f["until"])}
        filters = ReportFilters(
            category_id=world["categories"][f["category"]].pk if f["category"] else None,
            tlp=f["tlp"],
            originator_country_id=countries[f["country"]].pk if f["country"] else None,
            priority=f["priority"],
            language=f["language"],
            published_from=f["since_at"],
            published_until=f["until_at"],
        )
        for code in AGENCIES:
            user = User.objects.get(pk=world["users"][code].pk)
            listed = _filtered_pages(user, filters, scan)
            reference = filters.apply(
                Report.objects.visible_to(user).published().order_by("-published_at", "-id")
            )
            assert listed == list(reference.values_list("pk", flat=True)), (code, f)
            expected = sorted(
                (
                    (published[report.pk], report.pk)
                    for spec, report in reports
                    if expected_visible(spec, code, agreement_specs, ())
                    and _matches(spec, published[report.pk], f)
                ),
                reverse=True,
            )
            assert listed == [pk for _, pk in expected], (code, f, agreement_specs)
    # The dashboard's counts by category count the same reports.
    since = instants[len(instants) // 2] if instants else timezone.now()
    for code in AGENCIES:
        user = User.objects.get(pk=world["users"][code].pk)
        visible = Report.objects.visible_to(user).published().filter(published_at__gte=since)
        counted = Counter(visible.values_list("category_id", flat=True))
        assert category_counts(user, since) == dict(counted), code
