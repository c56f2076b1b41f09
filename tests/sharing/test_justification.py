"""Consulting a TLP:AMBER+STRICT or TLP:RED report asks why, and the answer is on the record."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from agencies.models import Agency, User
from sharing.models import AuditAction, AuditEvent, Report, Tlp
from tests.helpers import signed_in
from tests.sharing.test_report_page import attach

Publish = Callable[..., Report]
REASON = "Case 2026/114, container seizure at Kalo"


@pytest.fixture
def red_for_bravo(publish: Publish, alpha_analyst: User, bravo: Agency) -> Report:
    return publish(
        alpha_analyst, tlp=Tlp.RED, recipients=[bravo], body="The courier is **Dana K.**"
    )


def _viewed(report: Report) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=AuditAction.REPORT_VIEWED, object_ids=[str(report.uuid)]
        ).order_by("id")
    )


@pytest.mark.parametrize("tlp", [Tlp.AMBER_STRICT, Tlp.RED])
def test_the_body_waits_for_a_justification_which_is_recorded_with_the_view(
    tlp: Tlp, publish: Publish, alpha_analyst: User, bravo: Agency, bravo_analyst: User
) -> None:
    report = publish(alpha_analyst, tlp=tlp, recipients=[bravo], body="The courier is Dana K.")
    client = signed_in(bravo_analyst)
    url = reverse("report-detail", args=[report.uuid])

    asked = client.get(url)
    assert asked.status_code == 200
    assert "Dana K." not in asked.content.decode()
    assert "Case reference or purpose" in asked.content.decode()
    assert _viewed(report) == []

    given = client.post(url, {"justification": f"  {REASON}  "})
    assert given.status_code == 302
    assert given["Location"] == url
    shown = client.get(url)

    assert "Dana K." in shown.content.decode()
    [event] = _viewed(report)
    assert (event.actor_user, event.justification) == (bravo_analyst, REASON)


def test_the_justification_is_asked_once_per_report_and_session(
    red_for_bravo: Report, bravo_analyst: User
) -> None:
    client = signed_in(bravo_analyst)
    url = reverse("report-detail", args=[red_for_bravo.uuid])
    client.post(url, {"justification": REASON})
    client.get(url)
    client.get(url)

    assert [e.justification for e in _viewed(red_for_bravo)] == [REASON, REASON]
    again = signed_in(bravo_analyst).get(url)  # a new session asks again
    assert "Dana K." not in again.content.decode()


@pytest.mark.parametrize("bad", ["", "   ", "ab", "x" * 201])
def test_a_missing_or_unusable_justification_is_refused_with_a_message(
    bad: str, red_for_bravo: Report, bravo_analyst: User
) -> None:
    response = signed_in(bravo_analyst).post(
        reverse("report-detail", args=[red_for_bravo.uuid]), {"justification": bad}
    )
    assert response.status_code == 400
    assert "Dana K." not in response.content.decode()
    assert response.context["form"].errors["justification"]
    assert _viewed(red_for_bravo) == []


def test_the_originator_agency_and_lower_markings_are_not_asked(
    publish: Publish,
    red_for_bravo: Report,
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: object,
) -> None:
    own = signed_in(alpha_analyst).get(reverse("report-detail", args=[red_for_bravo.uuid]))
    assert "Dana K." in own.content.decode()
    amber = publish(alpha_analyst, tlp=Tlp.AMBER, body="Amber body")
    shared = signed_in(bravo_analyst).get(reverse("report-detail", args=[amber.uuid]))
    assert "Amber body" in shared.content.decode()
    assert {
        e.justification for e in AuditEvent.objects.filter(action=AuditAction.REPORT_VIEWED)
    } == {""}


def test_an_attachment_of_a_red_report_needs_the_justification_first(
    red_for_bravo: Report, alpha_analyst: User, bravo_analyst: User
) -> None:
    attachment = attach(red_for_bravo, alpha_analyst)
    client = signed_in(bravo_analyst)
    download = reverse("attachment-download", args=[attachment.uuid])

    sent_back = client.get(download)
    assert sent_back.status_code == 302
    assert sent_back["Location"] == reverse("report-detail", args=[red_for_bravo.uuid])
    assert not AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED).exists()

    client.post(reverse("report-detail", args=[red_for_bravo.uuid]), {"justification": REASON})
    assert client.get(download).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.ATTACHMENT_DOWNLOADED)
    assert event.justification == REASON
