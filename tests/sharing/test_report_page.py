"""The report page: markings, grading, the sanitised body, history, attachments and, for the
originator agency, the dissemination record and the buttons that change the report."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import Agency, User
from sharing import services
from sharing.models import Agreement, AuditAction, AuditEvent, Report, ReportVersion, Tlp
from sharing.web.history import version_history
from sharing.web.rendering import render_markdown
from tests.helpers import denials, signed_in

Publish = Callable[..., Report]
PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize(
    ("markdown", "kept", "removed"),
    [
        ("**bold** and *italic*", ["<strong>bold</strong>", "<em>italic</em>"], []),
        ("<script>alert(1)</script>Hello", ["Hello"], ["<script", "alert(1)"]),
        ("[click](javascript:alert(1))", ["click"], ["javascript:", "href"]),
        (
            '<a href="https://example.org" onclick="steal()">x</a>',
            ["https://example.org"],
            ["onclick"],
        ),
        ('<img src="x" onerror="alert(1)">', [], ["<img", "onerror"]),
        ('<p style="color:red">red</p>', ["red"], ["style="]),
        ("<iframe src='https://evil.example'></iframe>", [], ["<iframe"]),
        ("# Heading", ["<h3>Heading</h3>"], ["<h1"]),
        ("| a | b |\n|:--|--:|\n| 1 | 2 |", ['<td align="left">1</td>'], ["style"]),
    ],
)
def test_markdown_is_rendered_and_sanitised(
    markdown: str, kept: list[str], removed: list[str]
) -> None:
    html = render_markdown(markdown)
    for piece in kept:
        assert piece in html
    for piece in removed:
        assert piece not in html


def test_links_in_a_body_open_without_handing_over_the_portal(alpha_analyst: User) -> None:
    html = render_markdown("[site](https://example.org)")
    assert 'rel="noopener noreferrer nofollow"' in html


def test_the_report_page_shows_marking_handling_grading_and_the_rendered_body(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(
        alpha_analyst,
        tlp=Tlp.AMBER,
        handling_code="H2",
        source_reliability="B",
        information_credibility=2,
        body="**Key observations**\n\n<script>alert(1)</script>",
    )
    page = signed_in(bravo_analyst).get(reverse("report-detail", args=[report.uuid]))
    html = page.content.decode()
    assert '<span class="tlp tlp-2"' in html
    assert "TLP:AMBER" in html
    assert "H2 - no onward dissemination without the originator&#x27;s consent" in html
    assert "source B - usually reliable; information 2 - probably true" in html
    assert "<strong>Key observations</strong>" in html
    assert "<script>alert(1)</script>" not in html
    # A recipient reads; it neither changes the report nor sees its dissemination record.
    assert reverse("report-edit", args=[report.uuid]) not in html
    assert "Who can see it, on what basis, since when" not in html


def test_the_originator_sees_the_dissemination_record_with_ended_rows_greyed(
    publish: Publish,
    alpha_analyst: User,
    bravo: Agency,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    services.edit_report(report, actor=alpha_analyst, changes={"tlp": Tlp.RED}, recipients=[bravo])
    page = signed_in(alpha_analyst).get(reverse("report-detail", args=[report.uuid]))
    html = page.content.decode()
    rows = list(page.context["disseminations"])
    assert [row.revoked_at is None for row in rows] == sorted(
        (row.revoked_at is None for row in rows), reverse=True
    )
    assert any(row.revoked_at for row in rows)
    assert '<tr class="revoked">' in html
    assert agreement_ab.reference in html
    assert reverse("report-edit", args=[report.uuid]) in html
    assert reverse("report-retract", args=[report.uuid]) in html


def test_the_history_says_what_changed_between_versions(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN, title="Cocaine in bananas")
    services.edit_report(
        report,
        actor=alpha_analyst,
        changes={"title": "Cocaine in pineapples", "tlp": Tlp.AMBER},
        indicators=[("vehicle_plate", "ABC-123")],
        change_note="Fruit corrected",
    )
    mine = signed_in(alpha_analyst).get(reverse("report-detail", args=[report.uuid]))
    latest = mine.context["history"][0]
    changes = {str(c.label): c for c in latest.changes}
    assert (changes["Title"].before, changes["Title"].after) == (
        "Cocaine in bananas",
        "Cocaine in pineapples",
    )
    assert (changes["Marking"].before, changes["Marking"].after) == ("TLP:GREEN", "TLP:AMBER")
    assert changes["Indicators"].added == ["vehicle_plate: ABC-123"]
    # A recipient learns what changed, not what the text said before.
    theirs = signed_in(bravo_analyst).get(reverse("report-detail", args=[report.uuid]))
    partner_changes = {str(c.label): c for c in theirs.context["history"][0].changes}
    assert partner_changes["Title"].before is None
    assert partner_changes["Title"].after == "Cocaine in pineapples"
    assert "Cocaine in bananas" not in theirs.content.decode()


def test_the_report_page_runs_a_bounded_number_of_queries(
    publish: Publish,
    alpha_analyst: User,
    bravo: Agency,
    agreement_ab: Agreement,
    django_assert_max_num_queries: Any,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    for i in range(4):
        services.edit_report(
            report,
            actor=alpha_analyst,
            changes={"title": f"Title {i}", "tlp": Tlp.AMBER if i % 2 else Tlp.GREEN},
            recipients=[bravo] if i % 2 else [],
            indicators=[("phone", f"+57 300 000 00{i:02d}")],
        )
        services.add_attachment(
            report, SimpleUploadedFile(f"scan-{i}.pdf", PDF_BYTES), actor=alpha_analyst
        )
    client = signed_in(alpha_analyst)
    client.get(reverse("home"))  # warm the session
    with django_assert_max_num_queries(28):
        response = client.get(reverse("report-detail", args=[report.uuid]))
    assert len(response.context["history"]) == 5


def test_a_draft_page_shows_its_release_preview_to_its_agency(
    publish: Publish, alpha_analyst: User, agreement_ab: Agreement
) -> None:
    draft = publish(alpha_analyst, draft=True)
    html = signed_in(alpha_analyst).get(reverse("report-detail", args=[draft.uuid])).content
    assert "Who will receive it when published" in html.decode()
    assert "Bravonia (XB)" in html.decode()


# -- attachments ---------------------------------------------------------------------------


def attach(report: Report, author: User, name: str = "seizure.pdf") -> Any:
    return services.add_attachment(report, SimpleUploadedFile(name, PDF_BYTES), actor=author)


def test_a_recipient_downloads_an_attachment_as_a_file_and_it_is_audited(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    attachment = attach(report, alpha_analyst, name='../"route" map.pdf')
    client = signed_in(bravo_analyst)
    page = client.get(reverse("report-detail", args=[report.uuid])).content.decode()
    url = reverse("attachment-download", args=[attachment.uuid])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="_route_ map.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    event = AuditEvent.objects.get(action=AuditAction.ATTACHMENT_DOWNLOADED)
    assert event.actor_user == bravo_analyst
    assert event.details["sha256"] == attachment.sha256


def test_an_outsider_gets_the_same_404_for_an_attachment_and_it_is_audited(
    publish: Publish, alpha_analyst: User, charlie_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    attachment = attach(report, alpha_analyst)
    client = signed_in(charlie_analyst)
    hidden = client.get(reverse("attachment-download", args=[attachment.uuid]))
    missing = client.get(reverse("attachment-download", args=[uuid.uuid4()]))
    assert hidden.status_code == missing.status_code == 404
    assert PDF_BYTES not in hidden.content
    denied = denials().filter(action=AuditAction.ACCESS_DENIED, actor_user=charlie_analyst)
    assert denied.filter(details__attachment=str(attachment.uuid)).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED).exists()


def test_a_retracted_reports_attachments_are_gone_for_the_partner(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    attachment = attach(report, alpha_analyst)
    services.retract_report(report, actor=alpha_analyst, reason="source burnt")
    url = reverse("attachment-download", args=[attachment.uuid])
    assert signed_in(bravo_analyst).get(url).status_code == 404
    assert signed_in(alpha_analyst).get(url).status_code == 200


def test_the_history_reads_lists_kept_as_text_by_earlier_snapshots(
    publish: Publish, alpha_analyst: User
) -> None:
    report = publish(alpha_analyst)
    older = ReportVersion(report=report, number=1, snapshot={"title": "A", "rel_to": "['XB']"})
    newer = ReportVersion(report=report, number=2, snapshot={"title": "A", "rel_to": ["XB"]})
    newest = ReportVersion(report=report, number=3, snapshot={"title": "A", "rel_to": ["XB", "XC"]})
    entries = version_history([older, newer, newest], for_originator=True)
    assert [len(entry.changes) for entry in entries] == [1, 0, 0]
    assert entries[0].changes[0].added == ["XC"]
