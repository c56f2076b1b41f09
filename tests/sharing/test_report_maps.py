"""The report page's small map and the editor's map pick: present where they mean something."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.urls import reverse

from agencies.models import User
from sharing.models import Agreement, Report
from tests.helpers import signed_in

Publish = Callable[..., Report]


def test_report_page_shows_its_location_on_a_map_only_when_it_has_one(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    located = publish(alpha_analyst, latitude=Decimal("1.81"), longitude=Decimal("-78.76"))
    nowhere = publish(alpha_analyst, title="No coordinates")
    client = signed_in(bravo_analyst)
    body = client.get(reverse("report-detail", args=[located.uuid])).content.decode()
    assert 'data-map-points="report-location"' in body
    assert '"lat": 1.81, "lon": -78.76' in body
    assert "leaflet.js" in body
    other = client.get(reverse("report-detail", args=[nowhere.uuid])).content.decode()
    assert "data-map" not in other
    assert "leaflet.js" not in other


def test_editor_offers_a_map_that_sets_the_coordinate_fields(alpha_analyst: User) -> None:
    body = signed_in(alpha_analyst).get(reverse("report-new")).content.decode()
    assert 'data-map-pick="id_latitude,id_longitude"' in body
    assert 'id="id_latitude"' in body
    assert 'id="id_longitude"' in body
