"""The report editor: writing, previewing the release, publishing, editing and retracting, and
every bad input answered on its field with nothing typed lost."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from agencies.models import Agency, Country, User
from sharing import services
from sharing.access import preview_audience
from sharing.models import (
    Agreement,
    AuditAction,
    AuditEvent,
    Dissemination,
    Report,
    ReportState,
    Tlp,
)
from tests.helpers import sees, signed_in

Publish = Callable[..., Report]
PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ATTACHMENT_MAX_BYTES = 2048


def form_data(**overrides: Any) -> dict[str, Any]:
    """What the editor posts for an AMBER drug-trafficking report with two indicators."""
    data: dict[str, Any] = {
        "title": "Go-fast boat off the eastern cape",
        "summary": "Two engines, four crew, heading north.",
        "body": "**Key observations**\n\n- 1,108 kg of cocaine\n- radar contact lost at 03:10",
        "language": "en",
        "category": "drug-trafficking",
        "tlp": str(Tlp.AMBER),
        "handling_code": "H1",
        "source_reliability": "B",
        "information_credibility": "2",
        "priority": "2",
        "occurred_at": "2026-03-04T03:10",
        "latitude": "1.79851",
        "longitude": "-78.81564",
        "place": "Tumaco",
        "border_sector": "Pacific coast",
        "change_note": "",
        "indicators-TOTAL_FORMS": "3",
        "indicators-INITIAL_FORMS": "0",
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "1000",
        "indicators-0-type": "vessel_imo",
        "indicators-0-value": "IMO 9321483",
        "indicators-1-type": "phone",
        "indicators-1-value": "+57 300 123 4567",
        "indicators-2-type": "",
        "indicators-2-value": "",
    }
    data.update(overrides)
    return data


def errors_of(response: Any) -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


def test_an_analyst_saves_a_draft_with_indicators_that_only_their_agency_sees(
    alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    response = signed_in(alpha_analyst).post(reverse("report-new"), form_data())
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("report-edit", args=[report.uuid])
    assert report.state == ReportState.DRAFT
    assert (report.tlp, report.handling_code, report.priority) == (Tlp.AMBER, "H1", 2)
    assert str(report.latitude) == "1.79851"
    assert report.occurred_at is not None
    assert report.occurred_at.isoformat().startswith("2026-03-04T03:10:00+00:00")
    assert sorted(report.indicators.values_list("type", "normalized")) == [
        ("phone", "+573001234567"),
        ("vessel_imo", "IMO9321483"),
    ]
    assert not sees(bravo_analyst, report)
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_CREATED).count() == 1


def test_publishing_from_the_editor_shares_the_report_with_exactly_the_previewed_audience(
    alpha_analyst: User, bravo_analyst: User, charlie_analyst: User, agreement_ab: Agreement
) -> None:
    client = signed_in(alpha_analyst)
    preview = client.get(
        reverse("report-new-audience"), {"category": "drug-trafficking", "tlp": str(int(Tlp.AMBER))}
    )
    previewed = {(line.kind, line.code) for line in preview.context["preview"]["lines"]}
    assert ("country", "XB") in previewed
    assert ("country", "XC") not in previewed

    response = client.post(reverse("report-new"), form_data(publish="1"))
    report = Report.objects.get()
    assert response["Location"] == reverse("report-detail", args=[report.uuid])
    live = Dissemination.objects.filter(report=report, revoked_at=None)
    written = {
        ("country", country) if country else ("agency", agency)
        for country, agency in live.values_list("recipient_country__code", "recipient_agency__code")
    }
    assert written == previewed
    assert sees(bravo_analyst, report)
    assert not sees(charlie_analyst, report)


def test_the_preview_follows_the_marking_rel_to_and_recipients_as_they_change(
    alpha_analyst: User, bravo: Agency, charlie: Agency, agreement_ab: Agreement, country_c: Country
) -> None:
    client = signed_in(alpha_analyst)

    def audience(**query: Any) -> set[tuple[str, str]]:
        page = client.get(reverse("report-new-audience"), {"category": "drug-trafficking", **query})
        return {(line.kind, line.code) for line in page.context["preview"]["lines"]}

    assert ("country", "XB") in audience(tlp=Tlp.GREEN)
    assert ("country", "XB") not in audience(tlp=Tlp.GREEN, rel_to="XC")
    red = audience(tlp=Tlp.RED, recipients=["charlie"])
    assert red == {("agency", "alpha"), ("agency", "charlie")}
    hints = client.get(reverse("report-new-audience"), {"tlp": Tlp.RED}).context["preview"]
    assert any("name at least one" in hint for hint in hints["hints"])


def test_the_edit_preview_of_an_existing_report_uses_the_unsaved_values(
    publish: Publish, alpha_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    page = signed_in(alpha_analyst).get(
        reverse("report-edit-audience", args=[report.uuid]),
        {"category": "arms-trafficking", "tlp": str(int(Tlp.GREEN))},
    )
    codes = {line.code for line in page.context["preview"]["lines"]}
    assert "XB" not in codes  # the agreement does not cover arms
    report.refresh_from_db()
    assert report.category.code == "drug-trafficking"  # nothing was saved
    assert preview_audience(report)  # and the stored report still previews as before


def test_editing_a_published_report_makes_version_2_that_the_partner_sees(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN, title="Cocaine in banana containers")
    client = signed_in(alpha_analyst)
    page = client.get(reverse("report-edit", args=[report.uuid]))
    assert page.context["form"]["title"].value() == "Cocaine in banana containers"
    data = form_data(
        title="Cocaine in pineapple containers",
        tlp=str(Tlp.GREEN),
        change_note="Fruit corrected",
    )
    response = client.post(reverse("report-edit", args=[report.uuid]), data)
    assert response["Location"] == reverse("report-detail", args=[report.uuid])
    report.refresh_from_db()
    assert report.version == 2
    partner = signed_in(bravo_analyst).get(reverse("report-detail", args=[report.uuid]))
    body = partner.content.decode()
    assert "Cocaine in pineapple containers" in body
    assert "Version 2" in body
    assert "Fruit corrected" in body


def test_saving_an_unchanged_report_changes_nothing(
    publish: Publish, alpha_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    client = signed_in(alpha_analyst)
    form = client.get(reverse("report-edit", args=[report.uuid])).context["form"]
    data = {name: form[name].value() for name in form.fields if name != "attachments"}
    data["category"] = report.category.code
    data["occurred_at"] = ""
    data.update(
        {k: v for k, v in form_data().items() if k.startswith("indicators-")},
        **{"indicators-0-type": "", "indicators-0-value": ""},
        **{"indicators-1-type": "", "indicators-1-value": ""},
    )
    data = {k: ("" if v is None else v) for k, v in data.items()}
    response = client.post(reverse("report-edit", args=[report.uuid]), data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.version == 1
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_EDITED).exists()


def test_retracting_takes_the_report_from_the_partner_and_needs_a_reason(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    client = signed_in(alpha_analyst)
    url = reverse("report-retract", args=[report.uuid])
    assert "cannot be undone" in client.get(url).content.decode()
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 200
    assert refused.context["form"].errors["reason"]
    assert sees(bravo_analyst, report)

    response = client.post(url, {"reason": "Source burnt"})
    assert response["Location"] == reverse("report-detail", args=[report.uuid])
    assert not sees(bravo_analyst, report)
    list_page = signed_in(bravo_analyst).get(reverse("report-list")).content.decode()
    assert report.title not in list_page
    assert (
        "Source burnt" in client.get(reverse("report-detail", args=[report.uuid])).content.decode()
    )


def test_a_draft_is_published_from_its_confirmation_page(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    draft = publish(alpha_analyst, draft=True)
    client = signed_in(alpha_analyst)
    page = client.get(reverse("report-publish", args=[draft.uuid]))
    assert "Bravonia (XB)" in page.content.decode()
    client.post(reverse("report-publish", args=[draft.uuid]))
    assert sees(bravo_analyst, draft)


def test_a_red_draft_without_recipients_is_refused_on_its_publish_page(
    publish: Publish, alpha_analyst: User
) -> None:
    draft = publish(alpha_analyst, tlp=Tlp.RED, draft=True)
    response = signed_in(alpha_analyst).post(reverse("report-publish", args=[draft.uuid]))
    assert response.status_code == 400
    assert "name at least one" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == ReportState.DRAFT


# -- bad input: a message on the field, and everything typed kept -----------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"category": "space-piracy"}, "category", "Select a valid choice."),
        ({"latitude": "91"}, "latitude", "less than or equal to 90"),
        ({"longitude": "-180.5"}, "longitude", "greater than or equal to -180"),
        ({"longitude": ""}, "longitude", "Give both latitude and longitude"),
        ({"tlp": "7"}, "tlp", "Select a valid choice."),
        ({"occurred_at": "2999-01-01T00:00"}, "occurred_at", "in the future"),
        ({"rel_to": ["XQ"]}, "rel_to", "Select a valid choice."),
        (
            {"tlp": str(Tlp.RED), "publish": "1"},
            "recipients",
            "TLP:AMBER+STRICT and TLP:RED reports go only to named recipient agencies",
        ),
        (
            {"tlp": str(Tlp.AMBER_STRICT), "publish": "1"},
            "recipients",
            "name at least one",
        ),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_typed_is_lost(
    alpha_analyst: User,
    agreement_ab: Agreement,
    overrides: dict[str, Any],
    field: str,
    message: str,
) -> None:
    data = form_data(**overrides)
    response = signed_in(alpha_analyst).post(reverse("report-new"), data)
    assert response.status_code == 200
    errors = errors_of(response)
    assert any(message in text for text in errors[field]), errors
    assert not Report.objects.exists()
    page = response.content.decode()
    assert "Some fields need attention" in page
    form = response.context["form"]
    for name in ("title", "summary", "body", "place", "border_sector"):
        assert form[name].value() == data[name]
    assert 'value="IMO 9321483"' in page
    assert "Two engines, four crew, heading north." in page


def test_a_value_given_twice_as_indicators_is_refused_on_its_row(
    alpha_analyst: User, agreement_ab: Agreement
) -> None:
    data = form_data(**{"indicators-2-type": "phone", "indicators-2-value": "0057 300 1234567"})
    response = signed_in(alpha_analyst).post(reverse("report-new"), data)
    rows = response.context["indicators"]
    assert rows.forms[2].errors["value"] == [
        "Listed already: “0057 300 1234567” is the same phone number as “+57 300 123 4567”."
    ]
    assert not Report.objects.exists()


def test_an_indicator_the_report_already_has_is_refused_on_edit(
    publish: Publish, alpha_analyst: User, agreement_ab: Agreement
) -> None:
    client = signed_in(alpha_analyst)
    client.post(reverse("report-new"), form_data())
    report = Report.objects.get()
    data = form_data(**{"indicators-0-type": "vessel_imo", "indicators-0-value": "imo9321483"})
    response = client.post(reverse("report-edit", args=[report.uuid]), data)
    assert "Listed already" in response.context["indicators"].forms[0].errors["value"][0]
    assert report.indicators.count() == 2


def test_an_attachment_is_uploaded_checked_and_listed(
    alpha_analyst: User, agreement_ab: Agreement
) -> None:
    upload = SimpleUploadedFile("seizure.pdf", PDF_BYTES, content_type="application/pdf")
    signed_in(alpha_analyst).post(reverse("report-new"), form_data(attachments=[upload]))
    attachment = Report.objects.get().attachments.get()
    assert (attachment.filename, attachment.content_type) == ("seizure.pdf", "application/pdf")
    event = AuditEvent.objects.get(action=AuditAction.ATTACHMENT_ADDED)
    assert event.details["size"] == len(PDF_BYTES)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("big.txt", b"a" * 2049), "attachments may be at most 2.0"),
        (SimpleUploadedFile("invoice.pdf", EXE_BYTES), "not a file of an allowed type"),
        (SimpleUploadedFile("empty.txt", b""), "The submitted file is empty."),
    ],
)
def test_a_file_over_the_limit_or_of_a_forbidden_type_is_refused_on_the_field(
    alpha_analyst: User, upload: SimpleUploadedFile, message: str, settings: Any
) -> None:
    response = signed_in(alpha_analyst).post(reverse("report-new"), form_data(attachments=[upload]))
    errors = errors_of(response)
    assert any(message in text for text in errors["attachments"]), errors
    assert not Report.objects.exists()
    assert "choose them again" in response.content.decode()
    assert not (Path(settings.MEDIA_ROOT) / "attachments").exists()


# -- who may write ------------------------------------------------------------------------------


def test_a_member_of_another_agency_of_the_same_country_cannot_edit(
    publish: Publish, alpha_analyst: User, alpha_customs_analyst: User
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    client = signed_in(alpha_customs_analyst)
    assert client.get(reverse("report-detail", args=[report.uuid])).status_code == 200
    response = client.post(reverse("report-edit", args=[report.uuid]), form_data(title="Mine"))
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.title != "Mine"


def test_an_account_without_an_agency_cannot_write(portal_admin: User) -> None:
    assert signed_in(portal_admin).get(reverse("report-new")).status_code == 403


def test_the_body_preview_renders_markdown_without_what_is_not_allowed(
    alpha_analyst: User,
) -> None:
    client: Client = signed_in(alpha_analyst)
    body = "**bold** <script>alert(1)</script> [x](javascript:alert(1))"
    response = client.post(reverse("report-body-preview"), {"body": body})
    html = response.content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html


def test_the_editor_runs_a_bounded_number_of_queries(
    publish: Publish,
    alpha_analyst: User,
    bravo: Agency,
    charlie: Agency,
    agreement_ab: Agreement,
    django_assert_max_num_queries: Any,
) -> None:
    # Rows of every kind the editor lists, several of each: their number must not matter.
    report = publish(alpha_analyst, tlp=Tlp.GREEN, recipients=[bravo, charlie])
    services.add_indicators(
        report, [("phone", f"+57 300 000 00{i:02d}") for i in range(12)], actor=alpha_analyst
    )
    for i in range(3):
        services.add_attachment(
            report, SimpleUploadedFile(f"scan-{i}.pdf", PDF_BYTES), actor=alpha_analyst
        )
    client = signed_in(alpha_analyst)
    client.get(reverse("report-new"))  # warm the session
    with django_assert_max_num_queries(20):
        assert client.get(reverse("report-new")).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("report-edit", args=[report.uuid])).status_code == 200
    with django_assert_max_num_queries(15):
        client.get(reverse("report-edit-audience", args=[report.uuid]), {"tlp": Tlp.AMBER})
