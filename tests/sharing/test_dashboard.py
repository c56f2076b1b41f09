"""The dashboard: newest reports, counts by category, map points and agreements, per principal."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.test import Client
from django.urls import reverse

from agencies.models import User
from sharing import services
from sharing.models import Agreement, Category, Report, Tlp
from tests.helpers import signed_in

Publish = Callable[..., Report]


def _script(body: str, element_id: str) -> Any:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', body)
    assert match, element_id
    return json.loads(match.group(1))


def _counts(client: Client) -> dict[str, int]:
    body = client.get(reverse("home")).content.decode()
    return {row["code"]: row["count"] for row in _script(body, "category-counts")}


def test_dashboard_shows_what_the_agency_may_see_and_no_more(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    charlie_analyst: User,
    agreement_ab: Agreement,
    arms: Category,
) -> None:
    shared = publish(
        alpha_analyst,
        title="Go-fast boat off Tumaco",
        latitude=Decimal("1.8"),
        longitude=Decimal("-78.8"),
    )
    publish(alpha_analyst, title="Open arms notice", category=arms, tlp=Tlp.CLEAR)
    bravo = signed_in(bravo_analyst).get(reverse("home")).content.decode()
    assert shared.title in bravo
    points = _script(bravo, "map-points")
    assert [point["title"] for point in points] == [shared.title]
    assert points[0]["url"] == reverse("report-detail", args=[shared.uuid])
    charlie = signed_in(charlie_analyst).get(reverse("home")).content.decode()
    assert shared.title not in charlie
    assert _script(charlie, "map-points") == []
    assert _counts(signed_in(charlie_analyst)) == {
        code: (1 if code == "arms-trafficking" else 0)
        for code in _counts(signed_in(charlie_analyst))
    }
    assert _counts(signed_in(bravo_analyst))["drug-trafficking"] == 1


def test_counts_are_per_principal_and_follow_a_suspension_at_once(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
    portal_admin: User,
    settings: Any,
) -> None:
    settings.DASHBOARD_CACHE_SECONDS = 600
    for i in range(3):
        publish(alpha_analyst, title=f"Drugs {i}")
    bravo = signed_in(bravo_analyst)
    assert _counts(bravo)["drug-trafficking"] == 3
    assert _counts(signed_in(alpha_analyst))["drug-trafficking"] == 3
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="audit finding")
    # Cached for ten minutes, yet the suspension is a new principal: the next visit counts again.
    assert _counts(bravo)["drug-trafficking"] == 0
    assert _counts(signed_in(alpha_analyst))["drug-trafficking"] == 3


def test_dashboard_lists_the_agreements_of_my_country_with_state_and_scope(
    bravo_analyst: User, charlie_analyst: User, agreement_ab: Agreement
) -> None:
    body = signed_in(bravo_analyst).get(reverse("home")).content.decode()
    assert agreement_ab.title in body
    assert "agreement-active" in body
    assert "TLP:AMBER" in body
    assert "Drug trafficking" in body
    other = signed_in(charlie_analyst).get(reverse("home")).content.decode()
    assert agreement_ab.title not in other
    assert "Your country is party to no agreement" in other


def test_dashboard_has_places_for_alerts_and_access_requests(bravo_analyst: User) -> None:
    body = signed_in(bravo_analyst).get(reverse("home")).content.decode()
    assert 'data-placeholder="alerts"' in body
    assert 'data-placeholder="access-requests"' in body


def test_dashboard_query_count_is_bounded(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(25):
        publish(alpha_analyst, title=f"Located {i}", latitude=Decimal(i), longitude=Decimal(-i))
    client = signed_in(bravo_analyst)
    client.get(reverse("home"))  # warm the session
    with django_assert_max_num_queries(16):
        response = client.get(reverse("home"))
    assert len(_script(response.content.decode(), "map-points")) == 25
