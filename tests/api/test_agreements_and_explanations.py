"""GET /api/v1/agreements/ and /api/v1/reports/{id}/why/: what the caller's agency works under."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from agencies.models import Country, PartnerSystem, User
from sharing import services
from sharing.models import Agreement, AuditAction, AuditEvent, Category, Report, Tlp
from tests.api.conftest import MakeKey, api

AGREEMENTS = "/api/v1/agreements/"


def test_agreements_of_the_callers_country_are_listed_in_force_or_not_drafts_aside(
    make_agreement: Callable[..., Agreement],
    agreement_ab: Agreement,
    country_a: Country,
    country_b: Country,
    country_c: Country,
    categories: dict[str, Category],
    portal_admin: User,
    bravo_partner: PartnerSystem,
    make_key: MakeKey,
) -> None:
    arms = [categories["arms-trafficking"]]
    suspended = make_agreement([country_b, country_c], arms, max_tlp=Tlp.GREEN)
    services.suspend_agreement(suspended, actor=portal_admin, reason="audit finding")
    make_agreement([country_b, country_c], arms, activate=False)  # a draft
    make_agreement([country_a, country_c], arms)  # not Bravo's country
    later = timezone.localdate() + dt.timedelta(days=30)
    make_agreement([country_a, country_b], arms, valid_from=later)
    results = api(make_key(bravo_partner)).get(AGREEMENTS).json()["results"]
    by_reference = {a["reference"]: a for a in results}
    assert len(results) == 3
    current = by_reference[agreement_ab.reference]
    assert current == {
        "reference": agreement_ab.reference,
        "title": agreement_ab.title,
        "state": "active",
        "in_force": True,
        "parties": ["XA", "XB"],
        "categories": ["drug-trafficking", "migrant-smuggling"],
        "max_tlp": "amber",
        "valid_from": agreement_ab.valid_from.isoformat(),
        "valid_until": None,
    }
    assert by_reference[suspended.reference]["state"] == "suspended"
    assert by_reference[suspended.reference]["in_force"] is False
    future = next(a for a in results if a["valid_from"] == later.isoformat())
    assert (future["state"], future["in_force"]) == ("active", False)


def test_the_explanation_is_the_callers_agencys_own_and_is_audited(
    publish: Callable[..., Report],
    alpha_analyst: User,
    agreement_ab: Agreement,
    bravo_partner: PartnerSystem,
    make_key: MakeKey,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    body: dict[str, Any] = (
        api(make_key(bravo_partner)).get(f"/api/v1/reports/{report.uuid}/why/").json()
    )
    assert (body["report"], body["agency"], body["visible"]) == (str(report.uuid), "bravo", True)
    assert agreement_ab.reference in body["reasons"][0]["text"]
    event = AuditEvent.objects.get(action=AuditAction.VISIBILITY_EXPLAINED)
    assert event.object_ids == [str(report.uuid)]
    assert event.details["target"] == "bravo"
    assert event.channel == "api"
