"""CSV export of the filtered list: justified, capped, audited with the exported reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django.urls import reverse

from agencies.models import User
from sharing.models import Agreement, AuditAction, AuditEvent, Category, Report, Tlp
from tests.helpers import signed_in

Publish = Callable[..., Report]


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def test_export_holds_the_filtered_visible_reports_and_is_audited(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
    arms: Category,
) -> None:
    drugs_report = publish(alpha_analyst, title="=HYPERLINK(evil)", place="Tulcán")
    publish(alpha_analyst, title="Open arms notice", category=arms, tlp=Tlp.CLEAR)
    client = signed_in(bravo_analyst)
    form = client.get(reverse("report-export"), {"category": "drug-trafficking"})
    assert form.status_code == 200
    assert 'name="category" value="drug-trafficking"' in form.content.decode()
    response = client.post(
        reverse("report-export"),
        {"category": "drug-trafficking", "justification": "Case 2026/114, port of Guayaquil"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _rows(response.content)
    assert [row["uuid"] for row in rows] == [str(drugs_report.uuid)]
    # A cell a spreadsheet would run as a formula is defused.
    assert rows[0]["title"] == "'=HYPERLINK(evil)"
    assert rows[0]["place"] == "Tulcán"
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.actor_user_id == bravo_analyst.pk
    assert event.object_ids == [str(drugs_report.uuid)]
    assert event.justification == "Case 2026/114, port of Guayaquil"
    assert event.details["count"] == 1


def test_export_needs_a_justification_and_records_nothing_without_one(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    publish(alpha_analyst)
    response = signed_in(bravo_analyst).post(reverse("report-export"), {"justification": "   "})
    assert response.status_code == 400
    assert "justification" in response.context["form"].errors
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_export_over_the_cap_is_refused_with_a_message(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
    settings: Any,
) -> None:
    settings.REPORT_EXPORT_MAX_ROWS = 2
    for language in ("en", "en", "es"):
        publish(alpha_analyst, title=f"Report in {language}", language=language)
    client = signed_in(bravo_analyst)
    response = client.post(reverse("report-export"), {"justification": "weekly summary"})
    assert response.status_code == 400
    assert "More than 2 reports match these filters" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()
    # Narrowed under the cap, the same export goes through.
    narrowed = client.post(
        reverse("report-export"), {"justification": "weekly summary", "language": "es"}
    )
    assert narrowed.status_code == 200
    assert [row["title"] for row in _rows(narrowed.content)] == ["Report in es"]


def test_export_never_holds_what_the_user_may_not_see(
    publish: Publish, alpha_analyst: User, charlie_analyst: User, agreement_ab: Agreement
) -> None:
    publish(alpha_analyst, title="Between A and B")
    response = signed_in(charlie_analyst).post(
        reverse("report-export"), {"justification": "curious"}
    )
    assert response.status_code == 200
    assert _rows(response.content) == []


def test_export_requires_sign_in(client: Any) -> None:
    response = client.post(reverse("report-export"), {"justification": "x"})
    assert response.status_code == 302
