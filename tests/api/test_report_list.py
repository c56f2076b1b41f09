"""GET /api/v1/reports/: what the caller may see, filtered, newest first, in signed-cursor pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Agency, Country, PartnerSystem, User
from sharing import services
from sharing.models import (
    Agreement,
    AuditAction,
    AuditEvent,
    Category,
    Priority,
    Report,
    Tlp,
)
from tests.api.conftest import MakeKey, api, problem
from tests.helpers import signed_in

REPORTS = "/api/v1/reports/"
Publish = Callable[..., Report]


@pytest.fixture
def bravo_client(bravo_partner: PartnerSystem, make_key: MakeKey) -> Any:
    return api(make_key(bravo_partner))


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return [item["id"] for item in response.json()["results"]]


def test_the_list_holds_the_published_reports_the_caller_may_see_newest_first(
    publish: Publish,
    alpha_analyst: User,
    agreement_ab: Agreement,
    arms: Category,
    bravo_client: Any,
) -> None:
    older = publish(alpha_analyst, title="Older")
    newer = publish(alpha_analyst, title="Newer")
    publish(alpha_analyst, title="Not covered by the agreement", category=arms)
    publish(alpha_analyst, title="Still a draft", draft=True)
    response = bravo_client.get(REPORTS)
    assert ids(response) == [str(newer.uuid), str(older.uuid)]
    assert response.json()["next"] is None
    first = response.json()["results"][0]
    assert first["url"] == f"http://testserver{REPORTS}{newer.uuid}/"
    assert first["originator"] == {"agency": "alpha", "country": "XA"}
    assert first["tlp"] == "green"


def test_the_report_representation_carries_indicators_releasability_and_recipients(
    alpha_analyst: User,
    agreement_ab: Agreement,
    drugs: Category,
    country_b: Country,
    bravo: Agency,
    bravo_client: Any,
) -> None:
    report = services.create_report(
        actor=alpha_analyst,
        fields={
            "title": "Go-fast boat",
            "category": drugs,
            "tlp": Tlp.AMBER,
            "priority": Priority.FLASH,
            "latitude": "4.12345",
            "longitude": "-77.5",
        },
        rel_to=[country_b],
        recipients=[bravo],
        indicators=[("vessel_mmsi", "123456789"), ("phone", "+57 300 000 0000")],
    )
    services.publish_report(report, actor=alpha_analyst)
    (item,) = bravo_client.get(REPORTS).json()["results"]
    assert item["rel_to"] == ["XB"]
    assert item["recipients"] == ["bravo"]
    assert {(i["type"], i["value"]) for i in item["indicators"]} == {
        ("vessel_mmsi", "123456789"),
        ("phone", "+57 300 000 0000"),
    }
    assert (item["priority"], item["latitude"], item["longitude"]) == ("flash", 4.12345, -77.5)


def test_filters_narrow_the_list(
    publish: Publish,
    alpha_analyst: User,
    alpha_customs_analyst: User,
    agreement_ab: Agreement,
    categories: dict[str, Category],
    bravo_client: Any,
    make_member: Callable[..., User],
    bravo: Agency,
) -> None:
    smuggling = categories["migrant-smuggling"]
    green = publish(alpha_analyst, title="Green drugs")
    amber = publish(alpha_analyst, title="Amber smuggling", category=smuggling, tlp=Tlp.AMBER)
    urgent = publish(
        alpha_customs_analyst, title="Urgente", priority=Priority.URGENT, language="es"
    )
    strict = publish(alpha_analyst, tlp=Tlp.AMBER_STRICT, recipients=[bravo])
    own = publish(make_member("bravo.writer", bravo), title="Bravo's own")
    assert ids(bravo_client.get(REPORTS, {"category": "migrant-smuggling"})) == [str(amber.uuid)]
    assert ids(bravo_client.get(REPORTS, {"tlp": "amber"})) == [str(amber.uuid)]
    for spelling in ("amber+strict", "AMBER+STRICT", "amber strict", "TLP:AMBER+STRICT"):
        assert ids(bravo_client.get(REPORTS, {"tlp": spelling})) == [str(strict.uuid)]
    assert ids(bravo_client.get(REPORTS, {"originator_country": "xb"})) == [str(own.uuid)]
    assert ids(bravo_client.get(REPORTS, {"priority": "urgent"})) == [str(urgent.uuid)]
    assert ids(bravo_client.get(REPORTS, {"language": "es"})) == [str(urgent.uuid)]
    assert ids(bravo_client.get(REPORTS, {"category": "drug-trafficking", "tlp": "green"})) == [
        str(own.uuid),
        str(urgent.uuid),
        str(green.uuid),
    ]


def test_updated_since_keeps_reports_changed_at_or_after_the_instant(
    publish: Publish, alpha_analyst: User, agreement_ab: Agreement, bravo_client: Any
) -> None:
    old = publish(alpha_analyst, title="Old")
    fresh = publish(alpha_analyst, title="Fresh")
    cut = timezone.now() - dt.timedelta(hours=1)
    Report.objects.filter(pk=old.pk).update(modified_at=cut - dt.timedelta(days=2))
    assert ids(bravo_client.get(REPORTS, {"updated_since": cut.isoformat()})) == [str(fresh.uuid)]
    edited = services.edit_report(old, actor=alpha_analyst, changes={"summary": "More"})
    assert edited is not None
    assert set(ids(bravo_client.get(REPORTS, {"updated_since": cut.isoformat()}))) == {
        str(fresh.uuid),
        str(old.uuid),
    }


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("category", "no-such-category"),
        ("category", "not a slug"),
        ("tlp", "purple"),
        ("originator_country", "XYZ"),
        ("originator_country", "ZZ"),
        ("priority", "high"),
        ("language", "klingon"),
        ("updated_since", "yesterday"),
        ("page_size", "0"),
        ("page_size", "501"),
        ("page_size", "ten"),
        ("cursor", "garbage"),
    ],
)
def test_a_bad_filter_value_gets_400_naming_the_parameter(
    bravo_client: Any, parameter: str, value: str
) -> None:
    body = problem(bravo_client.get(REPORTS, {parameter: value}), 400)
    assert [error["parameter"] for error in body["errors"]] == [parameter]


def test_pages_follow_next_links_until_null_without_repeating_or_skipping(
    publish: Publish, alpha_analyst: User, agreement_ab: Agreement, bravo_client: Any
) -> None:
    published = [str(publish(alpha_analyst, title=f"Report {n}").uuid) for n in range(5)]
    seen: list[str] = []
    url: str | None = f"{REPORTS}?page_size=2&category=drug-trafficking"
    pages = 0
    while url:
        response = bravo_client.get(url)
        seen += ids(response)
        url = response.json()["next"]
        pages += 1
        if url:
            assert url.startswith("http://testserver/api/v1/reports/?")
            assert parse_qs(urlsplit(url).query)["category"] == ["drug-trafficking"]
    assert pages == 3
    assert seen == published[::-1]


def test_a_cursor_that_was_altered_is_refused(
    publish: Publish, alpha_analyst: User, agreement_ab: Agreement, bravo_client: Any
) -> None:
    for n in range(2):
        publish(alpha_analyst, title=f"Report {n}")
    next_url = bravo_client.get(REPORTS, {"page_size": 1}).json()["next"]
    cursor = parse_qs(urlsplit(next_url).query)["cursor"][0]
    tampered = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")
    body = problem(bravo_client.get(REPORTS, {"cursor": tampered}), 400)
    assert body["errors"][0]["parameter"] == "cursor"


def test_page_size_defaults_to_100_and_may_not_exceed_500(
    publish: Publish, alpha_analyst: User, agreement_ab: Agreement, bravo_client: Any
) -> None:
    publish(alpha_analyst)
    assert len(ids(bravo_client.get(REPORTS, {"page_size": 500}))) == 1
    problem(bravo_client.get(REPORTS, {"page_size": 501}), 400)


def test_each_page_is_one_audit_event_listing_the_reports_returned(
    publish: Publish,
    alpha_analyst: User,
    agreement_ab: Agreement,
    bravo_partner: PartnerSystem,
    bravo_client: Any,
) -> None:
    for n in range(3):
        publish(alpha_analyst, title=f"Report {n}")
    returned = ids(bravo_client.get(REPORTS, {"page_size": 2}))
    event = AuditEvent.objects.get(action=AuditAction.REPORT_LISTED)
    assert event.object_ids == returned
    assert event.object_type == "sharing.report"
    assert event.channel == "api"
    assert event.actor_key is not None
    assert event.actor_key.partner == bravo_partner
    assert event.agency == bravo_partner.agency


def test_a_signed_in_analyst_may_use_the_api_with_the_browser_session(
    publish: Publish, alpha_analyst: User, agreement_ab: Agreement, bravo_analyst: User
) -> None:
    report = publish(alpha_analyst)
    assert ids(signed_in(bravo_analyst).get(REPORTS)) == [str(report.uuid)]
    event = AuditEvent.objects.get(action=AuditAction.REPORT_LISTED)
    assert event.actor_user == bravo_analyst


def _publish_rich(author: User, drugs: Category, country_b: Country, bravo: Agency, n: int) -> None:
    for i in range(n):
        report = services.create_report(
            actor=author,
            fields={"title": f"Report {i}", "category": drugs, "tlp": Tlp.GREEN},
            rel_to=[country_b],
            recipients=[bravo],
            indicators=[("phone", f"+57 300 000 {i:04d}"), ("vessel_imo", f"IMO 93{i:05d}")],
        )
        services.publish_report(report, actor=author)


@pytest.mark.parametrize("query", [{}, {"category": "drug-trafficking", "tlp": "green"}])
def test_a_page_costs_the_same_few_queries_for_3_or_30_reports(
    alpha_analyst: User,
    agreement_ab: Agreement,
    drugs: Category,
    country_b: Country,
    bravo: Agency,
    bravo_client: Any,
    django_assert_max_num_queries: Any,
    query: dict[str, str],
) -> None:
    _publish_rich(alpha_analyst, drugs, country_b, bravo, 3)
    bravo_client.get(REPORTS, query)  # the key's first use of the minute also notes the time
    with CaptureQueriesContext(connection) as few:
        assert len(ids(bravo_client.get(REPORTS, query))) == 3
    _publish_rich(alpha_analyst, drugs, country_b, bravo, 27)
    # Auth, principal, the page, indicators, REL TO, recipients, the audit event (+ filters).
    with django_assert_max_num_queries(10):
        response = bravo_client.get(REPORTS, query)
    assert len(ids(response)) == 30
    assert all(len(item["indicators"]) == 2 for item in response.json()["results"])
    with CaptureQueriesContext(connection) as many:
        bravo_client.get(REPORTS, query)
    assert len(many) == len(few)
