"""Every API endpoint refuses the same way: 401 without a usable key, 403 for a read key that
writes, the same 404 for another agency's report as for a missing one; each refusal audited."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from agencies.models import PartnerAPIKey, PartnerSystem, Scope, User
from agencies.services import revoke_api_key
from sharing.models import Agreement, Report, Tlp
from tests.api.conftest import MakeKey, api, denials, problem

# (name, method, path with {report} for a report's id, writes?)
ENDPOINTS = [
    ("api-reports", "get", "/api/v1/reports/", False),
    ("api-reports", "post", "/api/v1/reports/", True),
    ("api-report", "get", "/api/v1/reports/{report}/", False),
    ("api-report", "patch", "/api/v1/reports/{report}/", True),
    ("api-report-publish", "post", "/api/v1/reports/{report}/publish/", True),
    ("api-report-retract", "post", "/api/v1/reports/{report}/retract/", True),
    ("api-report-why", "get", "/api/v1/reports/{report}/why/", False),
    ("api-feed", "get", "/api/v1/feed/", False),
    ("api-agreements", "get", "/api/v1/agreements/", False),
    ("api-schema", "get", "/api/schema/", False),
]
REPORT_ENDPOINTS = [e for e in ENDPOINTS if "{report}" in e[2]]
WRITE_ENDPOINTS = [e for e in ENDPOINTS if e[3]]
BODY = {"title": "Outboard engines", "category": "drug-trafficking", "tlp": "green", "reason": "x"}


def _names(resolver: URLResolver) -> Iterator[str]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _names(entry)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name


def test_the_table_covers_every_api_endpoint_but_the_browser_docs() -> None:
    names = {n for n in _names(get_resolver()) if n.startswith("api-")}
    assert names - {"api-docs"} == {name for name, *_ in ENDPOINTS}


@pytest.fixture
def report(publish: Callable[..., Report], alpha_analyst: User, agreement_ab: Agreement) -> Report:
    return publish(alpha_analyst, tlp=Tlp.GREEN)


def call(client: Any, method: str, path: str, report: Report | uuid.UUID) -> Any:
    url = path.format(report=getattr(report, "uuid", report))
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, BODY, content_type="application/json")


def _expired(partner: PartnerSystem, make_key: MakeKey) -> str:
    return make_key(partner, Scope.WRITE, expires_at=timezone.now() - dt.timedelta(minutes=1))


def _revoked(partner: PartnerSystem, make_key: MakeKey) -> str:
    raw = make_key(partner, Scope.WRITE)
    key = PartnerAPIKey.objects.get(prefix=raw.partition(".")[0])
    revoke_api_key(key, actor=None, reason="rotated")
    return raw


BAD_CREDENTIALS: dict[str, Callable[[PartnerSystem, MakeKey], str | None]] = {
    "no key": lambda partner, make_key: None,
    "malformed key": lambda partner, make_key: "not-a-key",
    "expired key": _expired,
    "revoked key": _revoked,
}


@pytest.mark.parametrize("credentials", list(BAD_CREDENTIALS))
@pytest.mark.parametrize(("name", "method", "path", "writes"), ENDPOINTS)
def test_every_endpoint_answers_401_without_a_usable_key_and_audits_it(
    credentials: str,
    name: str,
    method: str,
    path: str,
    writes: bool,
    bravo_partner: PartnerSystem,
    make_key: MakeKey,
) -> None:
    # Refused before any report is looked up: any id will do.
    raw = BAD_CREDENTIALS[credentials](bravo_partner, make_key)
    response = call(api(raw), method, path, uuid.uuid4())
    problem(response, 401)
    assert "Api-Key" in response["WWW-Authenticate"]
    assert denials(status=401, method=method.upper()).count() == 1


@pytest.mark.parametrize(("name", "method", "path", "writes"), WRITE_ENDPOINTS)
def test_every_write_endpoint_answers_403_to_a_read_key_and_audits_it(
    name: str,
    method: str,
    path: str,
    writes: bool,
    report: Report,
    alpha_partner: PartnerSystem,
    make_key: MakeKey,
) -> None:
    # Alpha's own read key: the originator could write with a write key.
    raw = make_key(alpha_partner, Scope.READ)
    problem(call(api(raw), method, path, report), 403)
    assert denials(status=403, method=method.upper()).get().actor_key_id is not None
    report.refresh_from_db()
    assert report.version == 1
    assert report.state == "published"


@pytest.mark.parametrize(("name", "method", "path", "writes"), REPORT_ENDPOINTS)
def test_another_agencys_report_gives_the_same_404_as_a_missing_one_and_is_audited(
    name: str,
    method: str,
    path: str,
    writes: bool,
    report: Report,
    charlie_partner: PartnerSystem,
    make_key: MakeKey,
) -> None:
    client = api(make_key(charlie_partner, Scope.WRITE))
    forbidden = call(client, method, path, report)
    missing_id = uuid.uuid4()
    missing = call(client, method, path, missing_id)
    one, other = problem(forbidden, 404), problem(missing, 404)
    assert one["detail"] == other["detail"]
    assert report.title not in forbidden.content.decode()
    assert denials(status=404, report=str(report.uuid)).get().agency_id == charlie_partner.agency_id
    assert denials(status=404, report=str(missing_id)).exists()
