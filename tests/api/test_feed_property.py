"""Property: a partner that follows the feed holds exactly what it may see, at its latest version.

Random publishes, edits, indicators, retractions, suspensions and reactivations, with pulls in
between; after every pull each follower's copy equals `visible_to` of its key (published
reports, each at its current version) and nothing it received was a report it may not see.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.models import Agency, Country, PartnerSystem, User
from sharing import services
from sharing.models import Agreement, AgreementState, Category, Report, ReportState, Tlp
from tests.api.conftest import MakeKey
from tests.api.feed import Follower, visible_now

pytestmark = pytest.mark.django_db(transaction=True)

PHONES = itertools.count(1)
# Hypothesis favours the first choices: the ones an agreement shares come first.
MARKINGS = [Tlp.GREEN, Tlp.AMBER, Tlp.RED, Tlp.CLEAR]

publishes = st.tuples(
    st.just("publish"),
    st.sampled_from(MARKINGS),
    st.sampled_from(["drugs", "arms"]),
    st.sampled_from(["everyone", "B", "A"]),  # REL TO
)
edits = st.tuples(
    st.just("edit"),
    st.integers(0, 20),
    st.sampled_from(MARKINGS),
    st.sampled_from(["drugs", "arms"]),
)
# Each change, then a pull by every follower or not.
operations = st.lists(
    st.tuples(
        st.one_of(
            publishes,
            publishes,
            edits,
            st.tuples(st.just("indicator"), st.integers(0, 20)),
            st.tuples(st.just("retract"), st.integers(0, 20)),
            st.tuples(st.just("suspend")),
            st.tuples(st.just("reactivate")),
        ),
        st.booleans(),
    ),
    min_size=4,
    max_size=12,
)


@pytest.fixture
def world(
    make_key: MakeKey,
    alpha_partner: PartnerSystem,
    bravo_partner: PartnerSystem,
    charlie_partner: PartnerSystem,
    alpha_customs: Agency,
    agreement_ab: Agreement,
    alpha_analyst: User,
    portal_admin: User,
    country_a: Country,
    country_b: Country,
    categories: dict[str, Category],
) -> dict[str, Any]:
    from agencies.services import create_partner_system

    customs_partner = create_partner_system(
        actor=None, agency=alpha_customs, name="Alpha-Customs system"
    )
    return {
        "keys": [
            make_key(bravo_partner),
            make_key(alpha_partner),  # the originator: also drafts and retracted reports
            make_key(charlie_partner),
            make_key(customs_partner),
        ],
        "agreement": agreement_ab,
        "author": alpha_analyst,
        "admin": portal_admin,
        "rel_to": {"everyone": [], "B": [country_b], "A": [country_a]},
        "categories": {
            "drugs": categories["drug-trafficking"],
            "arms": categories["arms-trafficking"],
        },
        "recipient": alpha_customs,
    }


def _apply(world: dict[str, Any], reports: list[Report], operation: tuple[Any, ...]) -> None:
    kind = operation[0]
    author, admin = world["author"], world["admin"]
    agreement: Agreement = world["agreement"]
    agreement.refresh_from_db()
    live = [r for r in reports if r.state == ReportState.PUBLISHED]
    if kind == "publish":
        _, tlp, category, rel_to = operation
        report = services.create_report(
            actor=author,
            fields={"title": "Report", "category": world["categories"][category], "tlp": tlp},
            rel_to=world["rel_to"][rel_to],
            # RED needs a named recipient; Alpha-Customs is inside every REL TO used here.
            recipients=[world["recipient"]] if tlp == Tlp.RED and rel_to != "B" else [],
        )
        if tlp != Tlp.RED or rel_to != "B":
            services.publish_report(report, actor=author)
        reports.append(report)
    elif kind == "edit" and live:
        _, index, tlp, category = operation
        report = live[index % len(live)]
        report.refresh_from_db()
        if tlp == Tlp.RED and not report.recipients.exists():
            tlp = Tlp.AMBER
        services.edit_report(
            report,
            actor=author,
            changes={"tlp": tlp, "category": world["categories"][category]},
        )
    elif kind == "indicator" and live:
        report = live[operation[1] % len(live)]
        services.add_indicators(report, [("phone", f"+34 600 {next(PHONES):06d}")], actor=author)
    elif kind == "retract" and live:
        report = live[operation[1] % len(live)]
        services.retract_report(report, actor=author, reason="Withdrawn")
    elif kind == "suspend" and agreement.state == AgreementState.ACTIVE:
        services.suspend_agreement(agreement, actor=admin, reason="Review")
    elif kind == "reactivate" and agreement.state == AgreementState.SUSPENDED:
        services.reactivate_agreement(agreement, actor=admin, reason="Review done")
    for report in reports:
        report.refresh_from_db()


def _pull_and_check(followers: list[Follower], keys: list[str]) -> None:
    for follower, key in zip(followers, keys, strict=True):
        entries = follower.pull()
        visible = visible_now(key)
        received = [e["id"] for e in entries if not e.get("deleted")]
        assert set(received) <= visible.keys(), "received a report it may not see"
        assert follower.copy == visible


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=operations)
def test_a_follower_ends_with_exactly_what_it_may_see(
    world: dict[str, Any], operations: list[tuple[tuple[Any, ...], bool]]
) -> None:
    keys: list[str] = world["keys"]
    followers = [Follower(key, page_size=3) for key in keys]
    # Reports of earlier examples stay (the database is emptied after the test): more to change.
    reports = list(Report.objects.order_by("pk"))
    _pull_and_check(followers, keys)
    for operation, pull in operations:
        _apply(world, reports, operation)
        if pull:
            _pull_and_check(followers, keys)
    _pull_and_check(followers, keys)
    # A follower that starts now reaches the same copy in one sync, each report once.
    for key in keys:
        late = Follower(key, page_size=3)
        received = [entry["id"] for entry in late.pull()]
        assert len(received) == len(set(received))
        assert late.copy == visible_now(key)
