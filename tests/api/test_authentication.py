"""Partner keys in the Authorization header: refused (401, audited) unless valid and active."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import pytest
from django.utils import timezone

from agencies.models import Agency, PartnerAPIKey, PartnerSystem, Scope, User
from agencies.services import revoke_api_key
from sharing.models import Agreement, AuditAction, AuditEvent, Report, Tlp
from tests.api.conftest import MakeKey, api, denials, problem

REPORTS = "/api/v1/reports/"
Publish = Callable[..., Report]


def key_row(raw: str) -> PartnerAPIKey:
    key: PartnerAPIKey = PartnerAPIKey.objects.get(prefix=raw.partition(".")[0])
    return key


def test_a_request_without_a_key_gets_401_naming_both_schemes_and_is_audited(db: None) -> None:
    response = api().get(REPORTS)
    body = problem(response, 401)
    assert body["instance"] == REPORTS
    assert response["WWW-Authenticate"].startswith("Api-Key realm=")
    assert "Bearer realm=" in response["WWW-Authenticate"]
    assert denials(status=401, path=REPORTS).count() == 1


@pytest.mark.parametrize(
    "credentials",
    ["Api-Key", "Api-Key not-a-key", "Api-Key abcdefgh.tooshort", "Bearer a.b.c", "Api-Key \u00e9"],
)
def test_a_malformed_key_gets_401(db: None, credentials: str) -> None:
    response = api().get(REPORTS, headers={"Authorization": credentials})
    assert problem(response, 401)["detail"] == "The API key is malformed."
    assert denials(status=401).exists()


def test_an_unknown_key_or_a_wrong_secret_gets_401_and_the_audit_keeps_only_the_prefix(
    bravo_partner: PartnerSystem, make_key: MakeKey
) -> None:
    raw = make_key(bravo_partner)
    prefix = raw.partition(".")[0]
    forged = f"{prefix}.{'x' * 32}"
    assert problem(api(forged).get(REPORTS), 401)["detail"] == "The API key is not valid."
    assert problem(api("Zz9Zz9Zz." + "y" * 32).get(REPORTS), 401)
    event = denials(status=401, key_prefix=prefix).get()
    assert forged not in str(event.details)


def test_an_expired_key_gets_401_and_the_refusal_names_the_key(
    bravo_partner: PartnerSystem, make_key: MakeKey
) -> None:
    raw = make_key(bravo_partner, expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert problem(api(raw).get(REPORTS), 401)["detail"] == "The API key has expired."
    event = denials(status=401).get()
    assert event.actor_key_id == key_row(raw).pk
    assert event.agency_id == bravo_partner.agency_id


def test_a_revoked_key_gets_401_from_its_next_request(
    bravo_partner: PartnerSystem, make_key: MakeKey
) -> None:
    raw = make_key(bravo_partner)
    assert api(raw).get(REPORTS).status_code == 200
    revoke_api_key(key_row(raw), actor=None, reason="laptop lost")
    assert problem(api(raw).get(REPORTS), 401)["detail"] == "The API key has been revoked."
    assert denials(status=401).get().actor_key_id == key_row(raw).pk


def test_an_inactive_partner_system_or_agency_gets_401(
    bravo_partner: PartnerSystem, bravo: Agency, make_key: MakeKey
) -> None:
    raw = make_key(bravo_partner)
    PartnerSystem.objects.filter(pk=bravo_partner.pk).update(is_active=False)
    assert problem(api(raw).get(REPORTS), 401)
    PartnerSystem.objects.filter(pk=bravo_partner.pk).update(is_active=True)
    Agency.objects.filter(pk=bravo.pk).update(is_active=False)
    assert problem(api(raw).get(REPORTS), 401)["detail"] == (
        "The partner system or its agency is not active."
    )
    assert denials(status=401).count() == 2


def test_the_key_is_accepted_as_a_bearer_token_too(
    publish: Publish,
    alpha_analyst: User,
    bravo_partner: PartnerSystem,
    agreement_ab: Agreement,
    make_key: MakeKey,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    response = api(make_key(bravo_partner), scheme="Bearer").get(REPORTS)
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(report.uuid)]


@pytest.mark.parametrize("parameter", ["api_key", "token", "cursor"])
def test_a_key_in_the_query_string_is_refused_and_never_logged_or_audited_in_clear(
    bravo_partner: PartnerSystem,
    make_key: MakeKey,
    caplog: pytest.LogCaptureFixture,
    parameter: str,
) -> None:
    raw = make_key(bravo_partner)
    with caplog.at_level(logging.DEBUG):
        response = api(raw).get(REPORTS, {parameter: raw})
    body = problem(response, 400)
    assert "Authorization header" in body["detail"]
    assert raw not in response.content.decode()
    assert all(raw not in record.getMessage() for record in caplog.records)
    event = denials(status=400, parameter=parameter).get()
    assert raw not in str(event.details)
    assert raw not in event.request_id + event.justification


def test_last_used_at_is_written_at_most_once_a_minute(
    bravo_partner: PartnerSystem, make_key: MakeKey
) -> None:
    raw = make_key(bravo_partner)
    assert key_row(raw).last_used_at is None
    api(raw).get(REPORTS)
    first = key_row(raw).last_used_at
    assert first is not None
    api(raw).get(REPORTS)
    assert key_row(raw).last_used_at == first
    earlier = first - dt.timedelta(minutes=2)
    PartnerAPIKey.objects.filter(prefix=key_row(raw).prefix).update(last_used_at=earlier)
    api(raw).get(REPORTS)
    latest = key_row(raw).last_used_at
    assert latest is not None
    assert latest > first


def test_a_read_key_that_writes_gets_403_and_is_audited(
    bravo_partner: PartnerSystem, make_key: MakeKey
) -> None:
    raw = make_key(bravo_partner, Scope.READ)
    response = api(raw).post(REPORTS, {"title": "x"}, content_type="application/json")
    assert "write scope" in problem(response, 403)["detail"]
    event = denials(status=403).get()
    assert event.actor_key_id == key_row(raw).pk
    assert event.channel == "api"
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_CREATED).exists()
