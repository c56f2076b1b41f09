"""Points for the maps (static/js/maps.js reads them from a json_script)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.urls import reverse

from sharing.models import Tlp


def map_point(
    *,
    uuid: UUID,
    title: str,
    latitude: Decimal,
    longitude: Decimal,
    tlp: int,
    place: str,
) -> dict[str, Any]:
    return {
        "url": reverse("report-detail", args=[uuid]),
        "title": title,
        "lat": float(latitude),
        "lon": float(longitude),
        "marking": Tlp(tlp).label,
        "tlp": tlp,
        "place": place,
    }
