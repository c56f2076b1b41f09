"""Each exchange, performed through its real entry point, leaves exactly its event.

One case per entry point that exists (HTML pages, the REST API, the admin, a command, a
worker task): the test performs the exchange as a user or partner system would and asserts
the one new event of its action with every field that says who, what, when, where from and
why. Entry points that record several events (a publish records creation and publication)
are covered by tests/test_service_audit.py, which holds each service to its one event.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, PartnerAPIKey, User
from agencies.services import create_api_key, create_partner_system
from sharing import audit, services
from sharing.models import (
    Agreement,
    AuditAction,
    AuditChannel,
    AuditEvent,
    AuditOutcome,
    Report,
    Tlp,
)
from tests.conftest import PASSWORD
from tests.helpers import denials, signed_in

HEX_ID = re.compile(r"[0-9a-f]{32}")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    report: Report
    strict: Report
    bravo_analyst: User
    charlie_analyst: User
    portal_admin: User
    agreement: Agreement
    key: PartnerAPIKey
    raw_key: str


@dataclass(frozen=True)
class Expected:
    action: str
    channel: str
    actor: str  # "bravo", "charlie", "admin", "key", "none"
    objects: str = ""  # "report", "strict", "agreement", "" for none checked
    outcome: str = AuditOutcome.SUCCESS
    justification: str = ""


@pytest.fixture
def world(
    publish: Callable[..., Report],
    alpha_analyst: User,
    bravo: Agency,
    bravo_analyst: User,
    charlie_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
) -> World:
    report = publish(alpha_analyst, title="Cocaine in banana containers", tlp=Tlp.GREEN)
    services.add_attachment(report, SimpleUploadedFile("scan.pdf", PDF), actor=alpha_analyst)
    strict = publish(alpha_analyst, title="Named courier", tlp=Tlp.RED, recipients=[bravo])
    partner = create_partner_system(actor=None, agency=bravo, name="Bravo case system")
    key, raw = create_api_key(
        partner,
        name="sweep",
        expires_at=timezone.now() + dt.timedelta(days=30),
        actor=None,
    )
    return World(
        report, strict, bravo_analyst, charlie_analyst, portal_admin, agreement_ab, key, raw
    )


def _web(user: User) -> Client:
    return signed_in(user)


def _report_page(w: World) -> Any:
    return _web(w.bravo_analyst).get(reverse("report-detail", args=[w.report.uuid]))


def _strict_page(w: World) -> Any:
    client = _web(w.bravo_analyst)
    url = reverse("report-detail", args=[w.strict.uuid])
    client.post(url, {"justification": "Case B-17"})
    return client.get(url)


def _refused_page(w: World) -> Any:
    return _web(w.charlie_analyst).get(reverse("report-detail", args=[w.report.uuid]))


def _report_list(w: World) -> Any:
    return _web(w.bravo_analyst).get(reverse("report-list"))


def _search(w: World) -> Any:
    return _web(w.bravo_analyst).get(reverse("search"), {"q": "banana"})


def _export(w: World) -> Any:
    return _web(w.bravo_analyst).post(
        reverse("report-export"), {"justification": "Case B-18, monthly review"}
    )


def _download(w: World) -> Any:
    attachment = w.report.attachments.get()
    return _web(w.bravo_analyst).get(reverse("attachment-download", args=[attachment.uuid]))


def _explain(w: World) -> Any:
    return _web(w.bravo_analyst).get(reverse("report-explain", args=[w.report.uuid]))


def _sign_in(w: World) -> Any:
    return Client().post(
        reverse("login"), {"username": w.bravo_analyst.username, "password": PASSWORD}
    )


def _sign_in_refused(w: World) -> Any:
    return Client().post(reverse("login"), {"username": w.bravo_analyst.username, "password": "x"})


def _api(w: World) -> Client:
    return Client(headers={"Authorization": f"Api-Key {w.raw_key}"})


def _api_list(w: World) -> Any:
    return _api(w).get(reverse("api-reports"), HTTP_X_REQUEST_ID="partner-run-7")


def _api_detail(w: World) -> Any:
    return _api(w).get(reverse("api-report", args=[w.report.uuid]))


def _api_refused(w: World) -> Any:
    hidden = services.create_report(
        actor=w.charlie_analyst,
        fields={"title": "Elsewhere", "category": w.report.category, "tlp": Tlp.AMBER},
        rel_to=[],
        recipients=[],
    )
    return _api(w).get(reverse("api-report", args=[hidden.uuid]))


def _audit_viewer(w: World) -> Any:
    return _web(w.portal_admin).get(reverse("audit-log"), {"action": "report.viewed"})


def _audit_export(w: World) -> Any:
    return _web(w.portal_admin).post(reverse("audit-export"), {"justification": "Audit 2026/7"})


CASES: dict[str, tuple[Callable[[World], Any], Expected]] = {
    "report page": (_report_page, Expected(AuditAction.REPORT_VIEWED, "web", "bravo", "report")),
    "strict report page": (
        _strict_page,
        Expected(AuditAction.REPORT_VIEWED, "web", "bravo", "strict", justification="Case B-17"),
    ),
    "refused report page": (
        _refused_page,
        Expected(AuditAction.ACCESS_DENIED, "web", "charlie", outcome=AuditOutcome.DENIED),
    ),
    "report list": (_report_list, Expected(AuditAction.REPORT_LISTED, "web", "bravo")),
    "search": (_search, Expected(AuditAction.REPORT_SEARCHED, "web", "bravo", "report")),
    "export": (
        _export,
        Expected(AuditAction.EXPORTED, "web", "bravo", justification="Case B-18, monthly review"),
    ),
    "attachment": (
        _download,
        Expected(AuditAction.ATTACHMENT_DOWNLOADED, "web", "bravo", "report"),
    ),
    "explanation": (_explain, Expected(AuditAction.VISIBILITY_EXPLAINED, "web", "bravo", "report")),
    "sign-in": (_sign_in, Expected(AuditAction.LOGIN, "web", "bravo")),
    "refused sign-in": (
        _sign_in_refused,
        Expected(AuditAction.LOGIN_FAILED, "web", "none", outcome=AuditOutcome.DENIED),
    ),
    "REST feed page": (_api_list, Expected(AuditAction.REPORT_LISTED, "api", "key")),
    "REST report": (_api_detail, Expected(AuditAction.REPORT_VIEWED, "api", "key", "report")),
    "refused REST report": (
        _api_refused,
        Expected(AuditAction.ACCESS_DENIED, "api", "key", outcome=AuditOutcome.DENIED),
    ),
    "audit viewer": (_audit_viewer, Expected(AuditAction.AUDIT_VIEWED, "web", "admin")),
    "audit export": (
        _audit_export,
        Expected(AuditAction.AUDIT_EXPORTED, "web", "admin", justification="Audit 2026/7"),
    ),
}


def _actor(w: World, who: str) -> tuple[int | None, str | None, int | None, int | None]:
    """(actor_user_id, actor_key_id, agency_id, country_id) of an expected actor."""
    users = {"bravo": w.bravo_analyst, "charlie": w.charlie_analyst, "admin": w.portal_admin}
    if who == "key":
        agency = w.key.partner.agency
        return None, w.key.pk, agency.pk, agency.country_id
    if who == "none":
        return None, None, None, None
    user = users[who]
    if user.agency is None:
        return user.pk, None, None, None
    return user.pk, None, user.agency.pk, user.agency.country_id


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_entry_point_records_its_exact_event(name: str, world: World) -> None:
    perform, expected = CASES[name]
    since = max(
        AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0,
        denials().order_by("-id").values_list("id", flat=True).first() or 0,
    )

    response = perform(world)

    source = denials() if expected.outcome == AuditOutcome.DENIED else AuditEvent.objects
    [event] = source.filter(id__gt=since, action=expected.action)
    assert (
        event.actor_user_id,
        event.actor_key_id,
        event.agency_id,
        event.country_id,
    ) == _actor(world, expected.actor)
    assert (event.channel, event.outcome, event.justification) == (
        expected.channel,
        expected.outcome,
        expected.justification,
    )
    assert HEX_ID.fullmatch(event.request_id)
    assert response["X-Request-ID"] == event.request_id
    assert event.ip == "127.0.0.1"
    assert abs(timezone.now() - event.occurred_at) < dt.timedelta(minutes=1)
    if expected.objects:
        report = {"report": world.report, "strict": world.strict}[expected.objects]
        assert str(report.uuid) in event.object_ids
        assert event.object_type == "sharing.report"
    if name == "REST feed page":
        assert str(world.report.uuid) in event.object_ids
        assert event.details["client_request_id"] == "partner-run-7"


def test_a_command_and_the_settlement_it_causes_share_its_request_id(world: World) -> None:
    with audit.bound(audit.RequestContext(channel=AuditChannel.COMMAND, request_id="c" * 32)):
        call_command(
            "agreement",
            "suspend",
            world.agreement.reference,
            "--reason",
            "sweep",
        )
    suspended = AuditEvent.objects.get(action=AuditAction.AGREEMENT_SUSPENDED)
    settled = AuditEvent.objects.get(action=AuditAction.AGREEMENT_SETTLED)
    assert (suspended.channel, suspended.request_id, suspended.actor_user_id) == (
        AuditChannel.COMMAND,
        "c" * 32,
        None,
    )
    assert suspended.object_ids == [str(world.agreement.pk)]
    # Its settlement, wherever it ran, carries the command's request id
    # (tests/sharing/test_audit_context.py follows one through a real worker).
    assert settled.request_id == "c" * 32
