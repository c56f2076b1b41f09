"""`q` on GET /api/v1/reports/: the portal's full-text search, inside the caller's visibility."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agencies.models import PartnerSystem, User
from sharing import services
from sharing.models import Agreement, AuditAction, AuditEvent, Report
from tests.api.conftest import MakeKey, api, problem

Publish = Callable[..., Report]


def _titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def test_q_searches_words_and_indicator_values_the_caller_may_see(
    alpha_analyst: User,
    publish: Publish,
    agreement_ab: Agreement,
    bravo_partner: PartnerSystem,
    charlie_partner: PartnerSystem,
    make_key: MakeKey,
) -> None:
    publish(alpha_analyst, title="Cocaine in banana containers")
    publish(alpha_analyst, title="Timber on the river")
    plated = publish(alpha_analyst, title="Truck seen twice", draft=True)
    services.add_indicators(plated, [("vehicle_plate", "ABC-123")], actor=alpha_analyst)
    services.publish_report(plated, actor=alpha_analyst)
    bravo = api(make_key(bravo_partner))
    assert _titles(bravo.get("/api/v1/reports/", {"q": "banana"})) == [
        "Cocaine in banana containers"
    ]
    assert _titles(bravo.get("/api/v1/reports/", {"q": "abc 123"})) == ["Truck seen twice"]
    assert _titles(bravo.get("/api/v1/reports/", {"q": "banana", "language": "fr"})) == []
    event = AuditEvent.objects.filter(action=AuditAction.REPORT_LISTED).latest("id")
    assert event.details["query"] == "banana"
    charlie = api(make_key(charlie_partner))
    assert _titles(charlie.get("/api/v1/reports/", {"q": "banana"})) == []


def test_an_over_long_q_is_a_problem_not_an_error(
    bravo_partner: PartnerSystem, make_key: MakeKey
) -> None:
    response = api(make_key(bravo_partner)).get("/api/v1/reports/", {"q": "x" * 201})
    body = problem(response, 400)
    assert "q" in str(body)
