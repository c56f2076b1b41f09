"""The audit viewer: portal admins see all, agency admins their agency; CSV export is recorded."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.urls import reverse

from agencies.models import Agency, Role, User
from sharing import audit
from sharing.audit import chain
from sharing.models import AuditAction, AuditEvent, Report, Tlp
from tests.helpers import denials, signed_in

Publish = Callable[..., Report]


@pytest.fixture
def alpha_admin(make_member: Callable[..., User], alpha: Agency) -> User:
    return make_member("alpha.admin", alpha, Role.AGENCY_ADMIN)


def _rows(response: object) -> list[AuditEvent]:
    return list(response.context["events"])  # type: ignore[attr-defined]


def test_a_portal_admin_filters_every_agencys_events_and_sees_the_chain(
    portal_admin: User, alpha_analyst: User, bravo_analyst: User
) -> None:
    audit.record(alpha_analyst, AuditAction.REPORT_LISTED)
    audit.record(bravo_analyst, AuditAction.REPORT_LISTED)
    chain.seal()
    chain.verify()
    client = signed_in(portal_admin)

    everything = client.get(reverse("audit-log"))
    bravo_only = client.get(reverse("audit-log"), {"country": "XB", "action": "report.listed"})

    assert everything.status_code == 200
    assert {e.actor_label for e in _rows(everything)} >= {"alpha.analyst", "bravo.analyst"}
    assert [e.actor_label for e in _rows(bravo_only)] == ["bravo.analyst"]
    status = everything.context["status"]
    assert status.head.seq >= 2
    assert status.last_verified is not None
    viewed = AuditEvent.objects.filter(action=AuditAction.AUDIT_VIEWED, actor_user=portal_admin)
    assert viewed.count() == 2
    assert viewed.order_by("id").last().details["filters"] == {  # type: ignore[union-attr]
        "country": "XB",
        "action": "report.listed",
    }


def test_an_agency_admin_sees_only_their_agencys_events(
    alpha_admin: User, alpha_analyst: User, bravo_analyst: User
) -> None:
    audit.record(alpha_analyst, AuditAction.REPORT_LISTED)
    audit.record(bravo_analyst, AuditAction.REPORT_LISTED)

    response = signed_in(alpha_admin).get(reverse("audit-log"), {"country": "XB"})

    assert response.status_code == 200
    agencies = {e.agency_id for e in _rows(response)}
    assert agencies == {alpha_admin.agency.pk}  # type: ignore[union-attr]
    assert response.context["status"] is None
    assert "country" not in response.context["form"].fields


def test_an_analyst_gets_the_same_404_as_for_nothing_and_it_is_recorded(
    alpha_analyst: User,
) -> None:
    response = signed_in(alpha_analyst).get(reverse("audit-log"))
    assert response.status_code == 404
    assert denials().filter(actor_user_id=alpha_analyst.pk, details__path="/audit/").exists()


def test_pages_follow_each_other_without_repeating_or_skipping(
    portal_admin: User, alpha_analyst: User
) -> None:
    for n in range(120):
        audit.record(alpha_analyst, AuditAction.REPORT_LISTED, details={"n": n})
    client = signed_in(portal_admin)
    seen: list[int] = []
    url = reverse("audit-log") + "?action=report.listed"
    for _ in range(5):
        response = client.get(url)
        seen += [e.pk for e in _rows(response)]
        if not response.context["next_query"]:
            break
        url = reverse("audit-log") + "?" + response.context["next_query"]
    expected = list(
        AuditEvent.objects.filter(action=AuditAction.REPORT_LISTED)
        .order_by("-occurred_at", "-id")
        .values_list("id", flat=True)
    )
    assert seen == expected


@pytest.mark.parametrize(
    "query",
    [{"since": "2026-13-01"}, {"since": "2026-12-02", "until": "2026-12-01"}, {"report": "x"}],
)
def test_bad_filters_get_a_message_not_an_error(portal_admin: User, query: dict[str, str]) -> None:
    response = signed_in(portal_admin).get(reverse("audit-log"), query)
    assert response.status_code == 400
    assert response.context["form"].errors


def test_a_tampered_page_link_is_refused(portal_admin: User) -> None:
    response = signed_in(portal_admin).get(reverse("audit-log"), {"cursor": "forged"})
    assert response.status_code == 400


def test_the_csv_export_needs_a_justification_and_is_itself_recorded(
    portal_admin: User, alpha_analyst: User
) -> None:
    audit.record(alpha_analyst, AuditAction.REPORT_LISTED, details={"note": "=cmd()"})
    client = signed_in(portal_admin)

    refused = client.post(reverse("audit-export"), {"action": "report.listed"})
    assert refused.status_code == 400
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()

    response = client.post(
        reverse("audit-export"), {"action": "report.listed", "justification": "Audit 2026/7"}
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["actor_label"] for r in rows] == ["alpha.analyst"]
    assert rows[0]["details"].startswith("{")
    exported = AuditEvent.objects.get(action=AuditAction.AUDIT_EXPORTED)
    assert exported.justification == "Audit 2026/7"
    assert exported.details["filters"] == {"action": "report.listed"}


def test_the_originator_sees_who_accessed_its_report(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    bravo: Agency,
    agreement_ab: object,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.AMBER_STRICT, recipients=[bravo])
    bravo_client = signed_in(bravo_analyst)
    url = reverse("report-detail", args=[report.uuid])
    bravo_client.post(url, {"justification": "Case B-17"})
    bravo_client.get(url)

    page = signed_in(alpha_analyst).get(url)

    [access] = page.context["accesses"]
    assert (access.agency, access.action, access.justification) == (
        bravo,
        AuditAction.REPORT_VIEWED,
        "Case B-17",
    )
    body = page.content.decode()
    assert "Case B-17" in body
    assert "bravo.analyst" not in body  # people are not named to another agency
    assert "accesses" not in bravo_client.get(url).context
