"""Writing reports over the API: the browser's services, validation and dissemination, with a
partner key acting for its agency (and recorded as the author)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from agencies.models import Agency, Country, PartnerAPIKey, PartnerSystem, Scope, User
from sharing.models import (
    Agreement,
    AuditAction,
    AuditEvent,
    Report,
    ReportState,
    ReportVersion,
    Tlp,
)
from tests.api.conftest import MakeKey, api, denials, problem
from tests.conftest import PASSWORD

REPORTS = "/api/v1/reports/"
Publish = Callable[..., Report]
NEW = {
    "title": "Cocaine in banana containers",
    "category": "drug-trafficking",
    "tlp": "green",
    "priority": "urgent",
    "indicators": [{"type": "vessel_imo", "value": "IMO 9321483"}],
}


@pytest.fixture
def alpha_writer(alpha_partner: PartnerSystem, make_key: MakeKey) -> Client:
    return api(make_key(alpha_partner, Scope.WRITE))


@pytest.fixture
def bravo_reader(bravo_partner: PartnerSystem, make_key: MakeKey) -> Client:
    return api(make_key(bravo_partner))


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, body, content_type="application/json")


def patch(client: Client, path: str, body: Any) -> Any:
    return client.patch(path, body, content_type="application/json")


def audience(body: dict[str, Any]) -> set[tuple[str | None, str | None, str]]:
    return {(a["country"], a["agency"], a["basis"]) for a in body["audience"]}


def test_a_write_key_creates_a_draft_of_its_agency_authored_by_the_key(
    alpha_writer: Client, alpha_partner: PartnerSystem, agreement_ab: Agreement
) -> None:
    response = post(alpha_writer, REPORTS, NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == body["url"]
    assert body["state"] == "draft"
    assert body["originator"] == {"agency": "alpha", "country": "XA"}
    assert body["indicators"] == [{"type": "vessel_imo", "value": "IMO 9321483"}]
    assert audience(body) == {(None, "alpha", "originator")}
    assert ("XB", None, "agreement") in {
        (a["country"], a["agency"], a["basis"]) for a in body["audience_if_published"]
    }
    report = Report.objects.get(uuid=body["id"])
    assert report.author is None
    key = PartnerAPIKey.objects.get(partner=alpha_partner)
    assert report.author_key == key
    event = AuditEvent.objects.get(action=AuditAction.REPORT_CREATED)
    assert (event.actor_key, event.agency, event.channel) == (key, alpha_partner.agency, "api")


def test_publish_true_publishes_at_once_and_answers_with_the_audience(
    alpha_writer: Client, bravo_reader: Client, agreement_ab: Agreement
) -> None:
    body = post(alpha_writer, REPORTS, {**NEW, "publish": True, "rel_to": ["xb"]}).json()
    assert body["state"] == "published"
    assert body["audience_if_published"] is None
    assert audience(body) == {
        (None, "alpha", "originator"),
        ("XA", None, "originator_country"),
        ("XB", None, "agreement"),
    }
    assert [a["agreement"] for a in body["audience"] if a["basis"] == "agreement"] == [
        agreement_ab.reference
    ]
    assert [r["id"] for r in bravo_reader.get(REPORTS).json()["results"]] == [body["id"]]
    version = ReportVersion.objects.get(report__uuid=body["id"])
    assert version.edited_by is None
    assert version.edited_by_key is not None


def test_the_answer_of_a_write_matches_the_report_read_back(
    alpha_writer: Client, agreement_ab: Agreement
) -> None:
    written = post(alpha_writer, REPORTS, {**NEW, "publish": True}).json()
    read = alpha_writer.get(written["url"]).json()
    assert {k: v for k, v in written.items() if not k.startswith("audience")} == read


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"title": ""}, "#/title"),
        ({"category": "piracy"}, "#/category"),
        ({"tlp": "purple"}, "#/tlp"),
        ({"latitude": 91}, "#/latitude"),
        ({"rel_to": ["ZZ"]}, "#/rel_to"),
        ({"recipients": ["nobody"]}, "#/recipients"),
        ({"indicators": [{"type": "ufo", "value": "x"}]}, "#/indicators/0/type"),
        ({"tlp": None}, "#/tlp"),
    ],
)
def test_invalid_fields_get_400_with_a_pointer_to_each(
    alpha_writer: Client, change: dict[str, Any], pointer: str
) -> None:
    body = problem(post(alpha_writer, REPORTS, {**NEW, **change}), 400)
    assert pointer in [error["pointer"] for error in body["errors"]]
    assert not Report.objects.exists()


def test_the_services_rules_apply_as_in_the_browser(
    alpha_writer: Client, agreement_ab: Agreement, country_c: Country, bravo: Agency
) -> None:
    # Named recipients must lie inside REL TO; an indicator must not normalise to nothing.
    outside = {**NEW, "rel_to": ["XC"], "recipients": ["bravo"], "publish": True}
    assert "outside the REL TO" in problem(post(alpha_writer, REPORTS, outside), 400)["detail"]
    empty = {**NEW, "indicators": [{"type": "phone", "value": "--"}]}
    problem(post(alpha_writer, REPORTS, empty), 400)
    assert not Report.objects.exists()


def test_a_key_that_is_not_json_gets_415_and_a_broken_body_400(alpha_writer: Client) -> None:
    problem(alpha_writer.post(REPORTS, "title=x", content_type="text/plain"), 415)
    problem(alpha_writer.post(REPORTS, "{", content_type="application/json"), 400)
    problem(post(alpha_writer, REPORTS, ["not", "an", "object"]), 400)


def test_a_body_over_the_limit_gets_413_before_anything_is_read(
    alpha_writer: Client, settings: Any
) -> None:
    settings.API_MAX_BODY_BYTES = 2048
    body = problem(post(alpha_writer, REPORTS, {**NEW, "body": "x" * 4096}), 413)
    assert "2048 bytes" in body["detail"]
    assert not Report.objects.exists()


def test_the_originator_edits_a_published_report_as_a_new_version_and_its_audience_follows(
    alpha_writer: Client, bravo_reader: Client, charlie: Agency, agreement_ab: Agreement
) -> None:
    url = post(alpha_writer, REPORTS, {**NEW, "publish": True}).json()["url"]
    response = patch(
        alpha_writer,
        url,
        {"tlp": "red", "recipients": ["charlie"], "change_note": "source is sensitive"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["version"], body["tlp"]) == (2, "red")
    assert audience(body) == {(None, "alpha", "originator"), (None, "charlie", "named_recipient")}
    problem(bravo_reader.get(url), 404)
    version = ReportVersion.objects.get(number=2)
    assert version.change_note == "source is sensitive"
    assert version.edited_by_key is not None
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_EDITED, channel="api").exists()


def test_an_agency_that_sees_a_report_but_did_not_write_it_may_not_change_it(
    publish: Publish,
    alpha_analyst: User,
    agreement_ab: Agreement,
    bravo_partner: PartnerSystem,
    make_key: MakeKey,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    bravo_writer = api(make_key(bravo_partner, Scope.WRITE))
    url = f"{REPORTS}{report.uuid}/"
    assert bravo_writer.get(url).status_code == 200
    assert "originator" in problem(patch(bravo_writer, url, {"title": "Mine now"}), 403)["detail"]
    problem(post(bravo_writer, f"{url}retract/", {"reason": "no"}), 403)
    assert denials(status=403).count() == 2
    report.refresh_from_db()
    assert (report.title, report.state) == ("Cocaine in banana containers", "published")


def test_an_empty_change_is_refused(alpha_writer: Client) -> None:
    url = post(alpha_writer, REPORTS, NEW).json()["url"]
    assert "Nothing to change" in problem(patch(alpha_writer, url, {}), 400)["detail"]


def test_a_draft_is_published_by_its_own_endpoint_once(
    alpha_writer: Client, bravo_reader: Client, agreement_ab: Agreement
) -> None:
    url = post(alpha_writer, REPORTS, NEW).json()["url"]
    assert bravo_reader.get(url).status_code == 404
    response = alpha_writer.post(f"{url}publish/")
    assert response.status_code == 200, response.content
    assert ("XB", None, "agreement") in audience(response.json())
    assert bravo_reader.get(url).status_code == 200
    assert "Only drafts" in problem(alpha_writer.post(f"{url}publish/"), 400)["detail"]


def test_retraction_needs_a_reason_and_ends_every_recipients_access(
    alpha_writer: Client, bravo_reader: Client, agreement_ab: Agreement
) -> None:
    url = post(alpha_writer, REPORTS, {**NEW, "publish": True}).json()["url"]
    body = problem(post(alpha_writer, f"{url}retract/", {}), 400)
    assert body["errors"] == [{"detail": "This field is required.", "pointer": "#/reason"}]
    response = post(alpha_writer, f"{url}retract/", {"reason": "Source withdrew it."})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == ReportState.RETRACTED
    assert response.json()["retraction_reason"] == "Source withdrew it."
    assert audience(response.json()) == {(None, "alpha", "originator")}
    problem(bravo_reader.get(url), 404)
    event = AuditEvent.objects.get(action=AuditAction.REPORT_RETRACTED)
    assert event.justification == "Source withdrew it."


def test_browser_sessions_write_only_with_a_csrf_token(
    alpha_analyst: User, agreement_ab: Agreement
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")  # the sign-in form hands out the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert client.login(username=alpha_analyst.username, password=PASSWORD)
    refused = client.post(REPORTS, NEW, content_type="application/json")
    assert "CSRF" in problem(refused, 403)["detail"]
    assert denials(status=403).get().actor_user_id == alpha_analyst.pk
    created = client.post(
        REPORTS, NEW, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert created.status_code == 201, created.content
    assert Report.objects.get().author == alpha_analyst
