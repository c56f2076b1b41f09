"""GET /api/v1/feed/: every visible report once, then only changes, with tombstones.

The feed reads committed changes only (it stops below the oldest transaction in flight), so
these tests commit for real (transactional_db) rather than inside one test transaction.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from agencies.models import Agency, PartnerSystem, Scope, User
from sharing import services
from sharing.feeds import Position, encode
from sharing.models import Agreement, AuditAction, AuditEvent, Category, Report, Tlp
from tests.api.conftest import MakeKey, api, problem
from tests.api.feed import Follower, key_of, visible_now

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bravo_key(make_key: MakeKey, bravo_partner: PartnerSystem) -> str:
    return make_key(bravo_partner)


@pytest.fixture
def alpha_key(make_key: MakeKey, alpha_partner: PartnerSystem) -> str:
    return make_key(alpha_partner)


@pytest.fixture
def shared(
    publish: Callable[..., Report],
    alpha_analyst: User,
    agreement_ab: Agreement,
    arms: Category,
    alpha_customs: Agency,
) -> dict[str, Report]:
    """Alpha's reports: two Bravo sees under the agreement, one it sees as TLP:CLEAR, two not."""
    return {
        "green": publish(alpha_analyst, tlp=Tlp.GREEN),
        "amber": publish(alpha_analyst, tlp=Tlp.AMBER),
        "clear": publish(alpha_analyst, tlp=Tlp.CLEAR, category=arms),
        "arms": publish(alpha_analyst, tlp=Tlp.GREEN, category=arms),  # not in the agreement
        "red": publish(alpha_analyst, tlp=Tlp.RED, recipients=[alpha_customs]),
        "draft": publish(alpha_analyst, draft=True),
    }


def ids(*reports: Report) -> set[str]:
    return {str(report.uuid) for report in reports}


def test_a_sync_from_the_start_returns_every_visible_report_once_across_pages(
    shared: dict[str, Report], bravo_key: str
) -> None:
    follower = Follower(bravo_key, page_size=2)
    entries = follower.pull()
    received = [entry["id"] for entry in entries]
    assert len(received) == len(set(received)) == 3
    assert set(received) == ids(shared["green"], shared["amber"], shared["clear"])
    assert follower.copy == visible_now(bravo_key)
    assert follower.pages == 2  # two full pages; the second one ends the sync
    assert all(not entry.get("deleted") for entry in entries)
    green = next(e for e in entries if e["id"] == str(shared["green"].uuid))
    assert green["title"] == "Cocaine in banana containers"
    assert green["url"] == f"http://testserver/api/v1/reports/{shared['green'].uuid}/"


def test_a_poll_after_catching_up_is_empty_and_keeps_its_place(
    shared: dict[str, Report], bravo_key: str
) -> None:
    follower = Follower(bravo_key)
    follower.pull()
    assert follower.pull() == []
    assert follower.pull() == []


def test_an_edit_brings_the_report_once_more_at_its_new_version(
    shared: dict[str, Report], bravo_key: str, alpha_analyst: User
) -> None:
    follower = Follower(bravo_key)
    follower.pull()
    services.edit_report(shared["green"], actor=alpha_analyst, changes={"title": "Corrected"})
    entries = follower.pull()
    assert [(e["id"], e["version"], e["title"]) for e in entries] == [
        (str(shared["green"].uuid), 2, "Corrected")
    ]
    assert follower.pull() == []


def test_indicators_added_bring_the_report_again(
    shared: dict[str, Report], bravo_key: str, alpha_analyst: User
) -> None:
    follower = Follower(bravo_key)
    follower.pull()
    services.add_indicators(shared["amber"], [("vehicle_plate", "ABC-123")], actor=alpha_analyst)
    (entry,) = follower.pull()
    assert entry["indicators"] == [{"type": "vehicle_plate", "value": "ABC-123"}]


def test_a_retraction_is_a_tombstone_for_recipients_and_the_originator(
    shared: dict[str, Report], bravo_key: str, alpha_key: str, alpha_analyst: User
) -> None:
    bravo, alpha = Follower(bravo_key), Follower(alpha_key)
    bravo.pull()
    alpha.pull()
    assert str(shared["green"].uuid) in alpha.copy
    services.retract_report(shared["green"], actor=alpha_analyst, reason="Source withdrew it")
    for follower in (bravo, alpha):
        (entry,) = follower.pull()
        assert entry["id"] == str(shared["green"].uuid)
        assert entry["deleted"] is True
        assert entry["reason"] == "retracted"
        assert entry["at"] is not None
        assert set(entry) == {"id", "deleted", "reason", "at"}  # nothing of the report itself
    assert bravo.copy == visible_now(bravo_key)
    assert alpha.copy == visible_now(alpha_key)


def test_suspension_tombstones_what_the_agreement_shared_and_reactivation_brings_it_back(
    shared: dict[str, Report],
    bravo_key: str,
    agreement_ab: Agreement,
    portal_admin: User,
) -> None:
    follower = Follower(bravo_key)
    follower.pull()
    services.suspend_agreement(agreement_ab, actor=portal_admin, reason="Review")
    entries = follower.pull()
    assert {(e["id"], e["deleted"], e["reason"]) for e in entries} == {
        (str(shared["green"].uuid), True, "access_revoked"),
        (str(shared["amber"].uuid), True, "access_revoked"),
    }
    assert follower.copy == visible_now(bravo_key) == {str(shared["clear"].uuid): 1}
    assert follower.pull() == []  # each tombstone once

    agreement_ab.refresh_from_db()
    services.reactivate_agreement(agreement_ab, actor=portal_admin, reason="Review done")
    entries = follower.pull()
    assert {e["id"] for e in entries} == ids(shared["green"], shared["amber"])
    assert not any(e.get("deleted") for e in entries)
    assert follower.copy == visible_now(bravo_key)


def test_an_amendment_narrowing_the_agreement_tombstones_what_it_no_longer_covers(
    shared: dict[str, Report],
    bravo_key: str,
    agreement_ab: Agreement,
    portal_admin: User,
) -> None:
    follower = Follower(bravo_key)
    follower.pull()
    services.amend_agreement(
        agreement_ab, actor=portal_admin, reason="Green only", max_tlp=Tlp.GREEN
    )
    entries = follower.pull()
    assert [(e["id"], e["reason"]) for e in entries] == [
        (str(shared["amber"].uuid), "access_revoked")
    ]
    assert follower.copy == visible_now(bravo_key)


def test_a_report_edited_out_of_the_callers_reach_is_a_tombstone(
    shared: dict[str, Report],
    bravo_key: str,
    alpha_analyst: User,
    country_a: Any,
) -> None:
    follower = Follower(bravo_key)
    follower.pull()
    services.edit_report(shared["green"], actor=alpha_analyst, changes={}, rel_to=[country_a])
    (entry,) = follower.pull()
    assert (entry["id"], entry["reason"]) == (str(shared["green"].uuid), "access_revoked")


def test_a_partner_without_access_learns_nothing_of_reports_it_never_saw(
    shared: dict[str, Report],
    make_key: MakeKey,
    charlie_partner: PartnerSystem,
    alpha_analyst: User,
) -> None:
    charlie_key = make_key(charlie_partner)
    follower = Follower(charlie_key)
    assert {e["id"] for e in follower.pull()} == ids(shared["clear"])
    services.retract_report(shared["green"], actor=alpha_analyst, reason="Withdrawn")
    services.edit_report(shared["amber"], actor=alpha_analyst, changes={"title": "New"})
    assert follower.pull() == []


def test_each_page_is_one_audit_event_naming_every_report_returned(
    shared: dict[str, Report], bravo_key: str, alpha_analyst: User
) -> None:
    follower = Follower(bravo_key, page_size=2)
    follower.pull()
    events = AuditEvent.objects.filter(action=AuditAction.FEED_PULLED).order_by("id")
    assert events.count() == 2
    assert {i for e in events for i in e.object_ids} == ids(
        shared["green"], shared["amber"], shared["clear"]
    )
    assert all(e.actor_key_id == key_of(bravo_key).pk for e in events)
    services.retract_report(shared["green"], actor=alpha_analyst, reason="Withdrawn")
    follower.pull()
    last = AuditEvent.objects.filter(action=AuditAction.FEED_PULLED).latest("id")
    assert last.object_ids == []
    assert last.details["tombstones"] == [str(shared["green"].uuid)]


def test_a_page_costs_a_constant_number_of_queries(
    shared: dict[str, Report],
    bravo_key: str,
    publish: Callable[..., Report],
    alpha_analyst: User,
    django_assert_max_num_queries: Any,
) -> None:
    for _ in range(10):
        publish(alpha_analyst, tlp=Tlp.GREEN, rel_to=[])
    client = api(bravo_key)
    # Key, usage note, the snapshot, principal, change log, rows, indicators, REL TO,
    # recipients, audit event, commit: however many reports the page holds.
    with django_assert_max_num_queries(14):
        response = client.get("/api/v1/feed/?page_size=50")
    assert len(response.json()["results"]) == 13


def test_a_cursor_works_only_for_the_key_it_was_given_to(
    shared: dict[str, Report],
    bravo_key: str,
    make_key: MakeKey,
    bravo_partner: PartnerSystem,
) -> None:
    follower = Follower(bravo_key)
    follower.pull()
    other = api(make_key(bravo_partner, Scope.READ))
    body = problem(other.get(f"/api/v1/feed/?cursor={follower.cursor}"), 400)
    assert body["errors"][0]["parameter"] == "cursor"
    assert follower.cursor is not None
    forged = follower.cursor[:-3] + ("AAA" if not follower.cursor.endswith("AAA") else "BBB")
    problem(api(bravo_key).get(f"/api/v1/feed/?cursor={forged}"), 400)


def test_an_expired_cursor_is_gone_and_says_to_sync_again(
    bravo_key: str, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FEED_CURSOR_MAX_AGE_DAYS = 30
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now - 31 * 86400)
    old = encode(Position(5, 1, 5), f"key:{key_of(bravo_key).pk}")
    monkeypatch.undo()
    body = problem(api(bravo_key).get(f"/api/v1/feed/?cursor={old}"), 410)
    assert "from the start" in body["detail"]


def test_page_size_is_bounded(bravo_key: str) -> None:
    body = problem(api(bravo_key).get("/api/v1/feed/?page_size=5001"), 400)
    assert body["errors"][0]["parameter"] == "page_size"


def test_a_transaction_committing_late_never_lands_behind_a_cursor(
    bravo_key: str,
    agreement_ab: Agreement,
    publish: Callable[..., Report],
    alpha_analyst: User,
) -> None:
    """Two real transactions: the first to take a position commits last."""
    follower = Follower(bravo_key)
    follower.pull()
    holding = threading.Event()
    release = threading.Event()
    late: list[Report] = []

    def publish_and_wait() -> None:
        try:
            with transaction.atomic():
                late.append(publish(alpha_analyst, title="Committed late"))
                holding.set()
                assert release.wait(30)
        finally:
            connection.close()

    worker = threading.Thread(target=publish_and_wait)
    worker.start()
    try:
        assert holding.wait(30)
        early = publish(alpha_analyst, title="Committed early")
        # The early report is committed, but it sits behind a transaction still in flight.
        assert follower.pull(wait=False) == []
    finally:
        release.set()
        worker.join(30)
    assert [e["title"] for e in follower.pull()] == ["Committed late", "Committed early"]
    assert follower.copy == visible_now(bravo_key) == {str(late[0].uuid): 1, str(early.uuid): 1}
