"""Hit/no-hit: visible matches in full, hidden ones as counts per partner country, nothing for
countries without an agreement in force; values recorded only as digests, on both sides."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from agencies.models import Agency, User
from sharing import services
from sharing.models import Agreement, AuditAction, AuditEvent, Report, Tlp
from sharing.search.lookup import value_digest
from tests.helpers import signed_in

Publish = Callable[..., Report]
PLATE = "ABC-123"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def holdings(
    alpha_analyst: User, alpha_customs: Agency, publish: Publish, agreement_ab: Agreement
) -> dict[str, Report]:
    """Two Alpha reports carrying the plate: one shared with Bravo, one for Alpha-Customs only."""

    def with_plate(**fields: Any) -> Report:
        report = publish(alpha_analyst, draft=True, **fields)
        services.add_indicators(report, [("vehicle_plate", PLATE)], actor=alpha_analyst)
        services.publish_report(report, actor=alpha_analyst)
        return report

    return {
        "shared": with_plate(title="Truck at the bridge", tlp=Tlp.GREEN),
        "kept": with_plate(
            title="Truck, informant", tlp=Tlp.AMBER_STRICT, recipients=[alpha_customs]
        ),
    }


def _look_up(client: Client, values: str, kind: str = "") -> Any:
    return client.post(reverse("lookup"), {"values": values, "type": kind})


def test_a_partner_sees_its_hits_in_full_and_the_rest_as_a_count(
    bravo_analyst: User, holdings: dict[str, Report]
) -> None:
    response = _look_up(signed_in(bravo_analyst), "abc 123\nZZZ999")
    assert response.status_code == 200
    text = response.text
    assert "Truck at the bridge" in text
    assert "1 hit held by XA" in text
    assert "Truck, informant" not in text
    assert str(holdings["kept"].uuid) not in text
    assert "No hit" in text


def test_a_country_without_an_agreement_learns_nothing(
    charlie_analyst: User, holdings: dict[str, Report]
) -> None:
    text = _look_up(signed_in(charlie_analyst), PLATE).text
    assert "No hit" in text
    assert "held by" not in text
    assert "Truck" not in text
    (event,) = AuditEvent.objects.filter(action=AuditAction.HIT_CHECKED)
    assert event.details["side"] == "requester"
    assert event.details["values"][0]["held"] == {}
    assert event.details["values"][0]["visible"] == 0
    assert event.object_ids == []
    dumped = json.dumps(event.details)
    for report in holdings.values():
        assert str(report.uuid) not in dumped


def test_both_sides_are_recorded_with_digests_never_values(
    bravo_analyst: User, holdings: dict[str, Report], settings: Any
) -> None:
    settings.LOOKUP_HASH_KEY = "a-test-key"
    _look_up(signed_in(bravo_analyst), "abc 123")
    events = AuditEvent.objects.filter(action=AuditAction.HIT_CHECKED).order_by("id")
    requester, holder = events
    digest = value_digest("vehicle_plate", "ABC123")
    assert requester.details["values"][0]["digests"] == [digest]
    assert requester.details["values"][0]["held"] == {"XA": 1}
    assert requester.object_ids == [str(holdings["shared"].uuid)]
    assert holder.details == {
        **holder.details,
        "side": "holder",
        "holder_agency": "alpha",
        "digests": [digest],
        "count": 1,
    }
    assert holder.object_ids == [str(holdings["kept"].uuid)]
    assert holder.recipients == ["agency:bravo"]
    for event in events:
        assert "ABC" not in json.dumps(event.details).upper().replace(digest.upper(), "")


def test_a_type_narrows_how_values_are_read(
    bravo_analyst: User, holdings: dict[str, Report]
) -> None:
    client = signed_in(bravo_analyst)
    assert "1 hit held by XA" in _look_up(client, "abc-123", "vehicle_plate").text
    assert "No hit" in _look_up(client, "abc-123", "phone").text


def test_common_values_are_not_looked_up(bravo_analyst: User, stop_list: None) -> None:
    text = _look_up(signed_in(bravo_analyst), "unknown\n192.168.0.1").text
    assert text.count("Common value: not looked up") == 2


def test_very_common_values_are_flagged(
    bravo_analyst: User, holdings: dict[str, Report], settings: Any
) -> None:
    settings.CORRELATION_VERY_COMMON = 1
    text = _look_up(signed_in(bravo_analyst), PLATE).text
    assert "Very common" in text
    assert "held by" not in text


@pytest.mark.parametrize(
    ("values", "kind", "message"),
    [
        ("\n".join(f"V{n}" for n in range(101)), "", "At most 100 values at a time; this has 101"),
        ("ABC", "starship", "Select a valid choice"),
        ("  \n \n", "", "Give at least one value"),
        ("X" * 501, "", "longer than 500 characters"),
    ],
)
def test_bad_input_gets_a_message(
    bravo_analyst: User, values: str, kind: str, message: str
) -> None:
    response = _look_up(signed_in(bravo_analyst), values, kind)
    assert response.status_code == 400
    assert message in response.text
    assert not AuditEvent.objects.filter(action=AuditAction.HIT_CHECKED).exists()


def test_a_hundred_values_are_answered(bravo_analyst: User, holdings: dict[str, Report]) -> None:
    values = "\n".join([PLATE, *(f"Q{n:04d}" for n in range(99))])
    response = _look_up(signed_in(bravo_analyst), values)
    assert response.status_code == 200
    assert response.text.count("data-answer") == 100


def test_values_never_travel_in_a_url(bravo_analyst: User, holdings: dict[str, Report]) -> None:
    response = signed_in(bravo_analyst).get(reverse("lookup"), {"values": PLATE})
    assert response.status_code == 200
    assert "held by" not in response.text
    assert not AuditEvent.objects.filter(action=AuditAction.HIT_CHECKED).exists()
    assert 'method="post"' in response.text


def test_lookups_are_rate_limited(bravo_analyst: User, settings: Any) -> None:
    settings.LOOKUPS_PER_HOUR = 2
    client = signed_in(bravo_analyst)
    assert _look_up(client, "A1").status_code == 200
    assert _look_up(client, "A1").status_code == 200
    assert _look_up(client, "A1").status_code == 429


def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    assert _look_up(client, PLATE).status_code == 302
