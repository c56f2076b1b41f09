"""Access requests from a hit/no-hit answer: sent without naming the report, queued for the
holder's supervisors with a response clock, decided within REL TO, H2/H3 and RED rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Country, User
from agencies.services import create_agency
from sharing import services
from sharing.models import (
    AccessRequest,
    AccessRequestState,
    Agreement,
    AuditAction,
    AuditEvent,
    Dissemination,
    DisseminationBasis,
    HandlingCode,
    Report,
    Tlp,
)
from tests.helpers import denials, sees, signed_in

Publish = Callable[..., Report]
PLATE = "ABC-123"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def held(
    alpha_analyst: User, alpha_customs: Agency, publish: Publish, agreement_ab: Agreement
) -> Callable[..., Report]:
    """An Alpha report carrying the plate that Bravo may not see (by default AMBER+STRICT)."""

    def make(**fields: Any) -> Report:
        values = {"title": "Truck, informant", "tlp": Tlp.AMBER_STRICT, **fields}
        if values["tlp"] >= Tlp.AMBER_STRICT:
            values.setdefault("recipients", [alpha_customs])
        report = publish(alpha_analyst, draft=True, **values)
        services.add_indicators(report, [("vehicle_plate", PLATE)], actor=alpha_analyst)
        services.publish_report(report, actor=alpha_analyst)
        return report

    return make


def _ask(user: User, country: Country, value: str = "abc 123") -> list[AccessRequest]:
    return services.request_access_for_value(
        actor=user, value=value, kind="", country=country, justification="Joint operation"
    )


def test_a_hit_leads_to_a_request_a_supervisor_approves_and_the_report_opens(
    bravo_analyst: User,
    alpha_supervisor: User,
    alpha_customs: Agency,
    country_a: Country,
    held: Callable[..., Report],
) -> None:
    report = held()
    bravo = signed_in(bravo_analyst)
    answer = bravo.post(reverse("lookup"), {"values": "abc 123"}).text
    assert "1 hit held by XA" in answer
    assert 'action="/lookup/request/"' in answer
    sent = bravo.post(
        reverse("lookup-request"),
        {
            "value": "abc 123",
            "type": "",
            "country": "XA",
            "justification": "Joint op",
            "urgency": 2,
        },
    )
    assert sent.status_code == 302
    request = AccessRequest.objects.get()
    assert (request.report, request.requesting_agency.code) == (report, "bravo")
    assert request.asked_value == "abc 123"
    assert request.indicator is not None
    assert request.indicator.normalized == "ABC123"
    assert request.due_at is not None
    assert abs(request.due_at - request.created_at - dt.timedelta(hours=48)) < dt.timedelta(
        minutes=1
    )
    # The requester learns the state, not the report.
    mine = bravo.get(reverse("lookup")).text
    assert "Waiting" in mine
    assert report.title not in mine
    supervisor = signed_in(alpha_supervisor)
    queue = supervisor.get(reverse("access-requests")).text
    assert report.title in queue
    assert "Bravo Police (XB) asks for" in queue
    assert "data-nav-count>1<" in queue
    assert "only Bravo Police receives it" in queue
    decided = supervisor.post(
        reverse("access-request-decide", args=[request.pk]), {"approve": "", "note": ""}
    )
    assert decided.status_code == 302
    assert sees(bravo_analyst, report)
    grant = Dissemination.objects.get(
        report=report, basis=DisseminationBasis.ACCESS_REQUEST, revoked_at__isnull=True
    )
    assert grant.recipient_agency_id == Agency.objects.get(code="bravo").pk
    assert "Approved: open the report" in bravo.get(reverse("lookup")).text
    assert bravo.get(reverse("report-detail", args=[report.uuid])).status_code == 200
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {AuditAction.ACCESS_REQUESTED, AuditAction.ACCESS_APPROVED} <= actions


def test_a_red_report_goes_to_the_requesting_agency_alone(
    bravo_analyst: User,
    alpha_supervisor: User,
    country_b: Country,
    country_a: Country,
    make_member: Callable[..., User],
    held: Callable[..., Report],
) -> None:
    report = held(tlp=Tlp.RED)
    other = create_agency(
        actor=None,
        code="bravo-customs",
        name="Bravo Customs",
        kind=AgencyKind.CUSTOMS,
        country=country_b,
    )
    colleague = make_member("bravo.customs", other)
    (request,) = _ask(bravo_analyst, country_a)
    services.decide_access_request(request, actor=alpha_supervisor, approve=True)
    assert sees(bravo_analyst, report)
    assert not sees(colleague, report)


def test_rel_to_outside_the_requester_is_refused_until_widened(
    bravo_analyst: User,
    alpha_analyst: User,
    alpha_supervisor: User,
    country_a: Country,
    country_b: Country,
    country_c: Country,
    held: Callable[..., Report],
) -> None:
    report = held(tlp=Tlp.GREEN, rel_to=[country_c])
    (request,) = _ask(bravo_analyst, country_a)
    queue = signed_in(alpha_supervisor).get(reverse("access-requests")).text
    assert "XB is outside the report&#x27;s REL TO" in queue
    assert "Edit REL TO" in queue
    with pytest.raises(ValidationError, match="outside the report's REL TO"):
        services.decide_access_request(request, actor=alpha_supervisor, approve=True)
    assert denials().filter(action=AuditAction.ACCESS_APPROVED).exists()
    assert not sees(bravo_analyst, report)
    services.edit_report(
        report, actor=alpha_analyst, changes={}, rel_to=[country_c, country_b], change_note="REL"
    )
    services.decide_access_request(request, actor=alpha_supervisor, approve=True)
    assert sees(bravo_analyst, report)
    # Narrowing REL TO again ends the grant.
    services.edit_report(report, actor=alpha_analyst, changes={}, rel_to=[country_c])
    assert not sees(bravo_analyst, report)


def test_handling_codes_are_warned_of(
    bravo_analyst: User, alpha_supervisor: User, country_a: Country, held: Callable[..., Report]
) -> None:
    held(handling_code=HandlingCode.H2)
    _ask(bravo_analyst, country_a)
    queue = signed_in(alpha_supervisor).get(reverse("access-requests")).text
    assert "H2: no onward dissemination without the originator&#x27;s consent" in queue


def test_a_refusal_needs_a_reason_the_requester_then_reads(
    bravo_analyst: User, alpha_supervisor: User, country_a: Country, held: Callable[..., Report]
) -> None:
    report = held()
    (request,) = _ask(bravo_analyst, country_a)
    supervisor = signed_in(alpha_supervisor)
    url = reverse("access-request-decide", args=[request.pk])
    supervisor.post(url, {"refuse": "", "note": " "})
    request.refresh_from_db()
    assert request.state == AccessRequestState.PENDING
    supervisor.post(url, {"refuse": "", "note": "Source protection"})
    request.refresh_from_db()
    assert request.state == AccessRequestState.REFUSED
    assert not sees(bravo_analyst, report)
    mine = signed_in(bravo_analyst).get(reverse("lookup")).text
    assert 'data-own-request="refused"' in mine
    assert "Source protection" in mine


def test_overdue_requests_come_first_and_are_marked(
    bravo_analyst: User, alpha_supervisor: User, country_a: Country, held: Callable[..., Report]
) -> None:
    held(title="First")
    held(title="Second")
    first, second = sorted(_ask(bravo_analyst, country_a), key=lambda r: r.report.title)
    AccessRequest.objects.filter(pk=second.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    queue = signed_in(alpha_supervisor).get(reverse("access-requests")).text
    assert queue.index("Second") < queue.index("First")
    assert queue.count("Overdue") == 1


def test_a_country_without_an_agreement_cannot_ask(
    charlie_analyst: User, country_a: Country, held: Callable[..., Report]
) -> None:
    held()
    with pytest.raises(ValidationError, match="No report held there matches"):
        _ask(charlie_analyst, country_a)
    assert not AccessRequest.objects.exists()


def test_asking_twice_sends_nothing_new(
    bravo_analyst: User, country_a: Country, held: Callable[..., Report]
) -> None:
    held()
    _ask(bravo_analyst, country_a)
    with pytest.raises(ValidationError, match="already asked"):
        _ask(bravo_analyst, country_a)
    assert AccessRequest.objects.count() == 1


def test_only_the_holders_supervisors_see_and_decide(
    bravo_analyst: User,
    bravo_supervisor: User,
    alpha_analyst: User,
    country_a: Country,
    held: Callable[..., Report],
) -> None:
    held()
    (request,) = _ask(bravo_analyst, country_a)
    assert signed_in(alpha_analyst).get(reverse("access-requests")).status_code == 404
    decide = reverse("access-request-decide", args=[request.pk])
    response = signed_in(bravo_supervisor).post(decide, {"approve": ""})
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.state == AccessRequestState.PENDING
    assert denials().filter(actor_user_id=bravo_supervisor.pk).exists()
    assert "data-nav-count" not in signed_in(bravo_supervisor).get(reverse("home")).text
