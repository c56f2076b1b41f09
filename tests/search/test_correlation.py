"""Correlation on the report page: other visible reports sharing a normalised indicator, capped,
with the stop-list and "very common" values kept out; the stop-list kept by portal admins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from agencies.models import User
from sharing import services
from sharing.models import Agreement, AuditAction, AuditEvent, CommonValue, Report
from sharing.search.common import StopList
from tests.helpers import denials, signed_in

Publish = Callable[..., Report]


@pytest.fixture
def with_indicators(publish: Publish) -> Callable[..., Report]:
    def make(author: User, indicators: list[tuple[str, str]], **fields: Any) -> Report:
        report = publish(author, draft=True, **fields)
        services.add_indicators(report, indicators, actor=author)
        services.publish_report(report, actor=author)
        report.refresh_from_db()
        return report

    return make


def test_the_page_lists_other_visible_reports_sharing_a_value_newest_first(
    alpha_analyst: User,
    bravo_analyst: User,
    charlie_analyst: User,
    agreement_ab: Agreement,
    with_indicators: Callable[..., Report],
) -> None:
    page_report = with_indicators(alpha_analyst, [("vehicle_plate", "ABC-123")], title="Seen")
    with_indicators(alpha_analyst, [("vehicle_plate", "abc 123")], title="Older sighting")
    with_indicators(alpha_analyst, [("vehicle_plate", "ABC123")], title="Newer sighting")
    # Charlie's report carries the plate too, but no agreement lets Alpha see it.
    with_indicators(charlie_analyst, [("vehicle_plate", "ABC123")], title="Charlie's own")
    response = signed_in(alpha_analyst).get(reverse("report-detail", args=[page_report.uuid]))
    text = response.content.decode()
    assert "Also in 2 other reports you may see" in text
    assert text.index("Newer sighting") < text.index("Older sighting")
    assert "Charlie&#x27;s own" not in text
    assert "Charlie's own" not in text
    event = AuditEvent.objects.get(action=AuditAction.CORRELATED)
    assert len(event.details["related"]) == 2


def test_a_partner_counts_only_what_it_may_see(
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
    with_indicators: Callable[..., Report],
    arms: Any,
) -> None:
    page_report = with_indicators(alpha_analyst, [("phone", "+57 300 111 2233")])
    with_indicators(alpha_analyst, [("phone", "0057 300 111 2233")], title="Drugs, shared")
    # Arms trafficking is outside Bravo's agreement.
    with_indicators(alpha_analyst, [("phone", "+573001112233")], title="Arms, kept", category=arms)
    text = signed_in(bravo_analyst).get(reverse("report-detail", args=[page_report.uuid])).text
    assert "Also in 1 other report you may see" in text
    assert "Drugs, shared" in text
    assert "Arms, kept" not in text


def test_long_lists_are_capped_with_show_all(
    alpha_analyst: User, with_indicators: Callable[..., Report]
) -> None:
    page_report = with_indicators(alpha_analyst, [("email", "boss@cartel.example")])
    for n in range(7):
        with_indicators(alpha_analyst, [("email", "BOSS@cartel.example")], title=f"Mail {n}")
    client = signed_in(alpha_analyst)
    text = client.get(reverse("report-detail", args=[page_report.uuid])).text
    assert "Also in 7 other reports you may see" in text
    assert text.count("Mail ") == 5
    indicator = page_report.indicators.get()
    url = reverse("report-related", args=[page_report.uuid]) + f"?indicator={indicator.pk}"
    assert "Show all 7" in text
    assert url in text
    listing = client.get(url).text
    assert listing.count("Mail ") == 7
    assert client.get(reverse("report-related", args=[page_report.uuid])).text.count("Mail ") == 7


def test_common_values_are_not_correlated(
    alpha_analyst: User, with_indicators: Callable[..., Report], stop_list: None
) -> None:
    indicators = [("ip", "192.168.1.10"), ("person_name", "Unknown"), ("other", "TLP:GREEN")]
    page_report = with_indicators(alpha_analyst, indicators)
    with_indicators(alpha_analyst, indicators, title="Same noise")
    text = signed_in(alpha_analyst).get(reverse("report-detail", args=[page_report.uuid])).text
    assert text.count("Common value: not correlated") == 3
    assert "Same noise" not in text


def test_very_common_values_are_flagged_not_listed(
    alpha_analyst: User, with_indicators: Callable[..., Report], settings: Any
) -> None:
    settings.CORRELATION_VERY_COMMON = 2
    page_report = with_indicators(alpha_analyst, [("domain", "mail.example.co")])
    for n in range(3):
        with_indicators(alpha_analyst, [("domain", "mail.example.co")], title=f"Domain {n}")
    text = signed_in(alpha_analyst).get(reverse("report-detail", args=[page_report.uuid])).text
    assert "Very common: in 3 other reports" in text
    assert "Domain 0" not in text


def test_show_all_answers_only_for_a_visible_report_and_its_own_indicator(
    alpha_analyst: User, charlie_analyst: User, with_indicators: Callable[..., Report]
) -> None:
    report = with_indicators(alpha_analyst, [("vehicle_plate", "ABC123")], tlp=2)
    other = with_indicators(charlie_analyst, [("vehicle_plate", "XYZ987")])
    indicator = report.indicators.get()
    outsider = signed_in(charlie_analyst)
    hidden = reverse("report-related", args=[report.uuid]) + f"?indicator={indicator.pk}"
    assert outsider.get(hidden).status_code == 404
    assert denials().filter(actor_user_id=charlie_analyst.pk).exists()
    mixed = reverse("report-related", args=[other.uuid]) + f"?indicator={indicator.pk}"
    assert outsider.get(mixed).status_code == 404


def test_portal_admins_keep_the_stop_list(portal_admin: User, alpha_analyst: User) -> None:
    entry = services.add_common_value(actor=portal_admin, type="ip", value="198.51.100.0/24")
    assert entry.value == "198.51.100.0/24"
    assert StopList.load().covers("ip", "198.51.100.7")
    assert not StopList.load().covers("ip", "203.0.113.7")
    with pytest.raises(ValidationError):
        services.add_common_value(actor=portal_admin, type="ip", value="300.1.2.0/24")
    with pytest.raises(PermissionDenied):
        services.add_common_value(actor=alpha_analyst, type="", value="whatever")
    services.remove_common_value(entry, actor=portal_admin)
    assert not CommonValue.objects.filter(value="198.51.100.0/24").exists()
    assert AuditEvent.objects.filter(action=AuditAction.COMMON_VALUE_REMOVED).exists()


def test_the_seeded_stop_list_covers_the_obvious(stop_list: None) -> None:
    stop = StopList.load()
    assert stop.covers("ip", "10.1.2.3")
    assert stop.covers("ip", "fe80::1")
    assert stop.covers("person_name", "N/A", "N/A")
    assert stop.covers("other", "amber", "AMBER")
    assert not stop.covers("ip", "8.8.8.8")
    assert not stop.covers("person_name", "Maribel Flores", "MARIBEL FLORES")
