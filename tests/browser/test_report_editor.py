"""The report's life in real Chromium: an Alpha analyst writes and publishes an AMBER report
after previewing who receives it, Bravo reads it, Charlie gets the 404 page, an edit reaches
Bravo as version 2 and retraction takes it away; screenshots of the editor and the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.models import User
from sharing.models import Agreement, Report
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_workspace import fits, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def audience(page: Any) -> Any:
    return page.locator("#release-preview [data-audience]")


def test_a_report_from_draft_to_retraction_as_each_agency_sees_it(
    new_page: Any,
    live_server: Any,
    alpha_analyst: User,
    bravo_analyst: User,
    charlie_analyst: User,
    agreement_ab: Agreement,
    shots: Path,
) -> None:
    base = live_server.url
    alpha = new_page(DESKTOP)
    sign_in(alpha, base, alpha_analyst)
    alpha.locator('[data-nav-item="new-report"]').click()
    expect(alpha.get_by_role("heading", name="New report")).to_be_visible()

    alpha.fill("#id_title", "Go-fast boat with cocaine off the eastern cape")
    alpha.fill("#id_summary", "Two engines, four crew, heading north at night.")
    alpha.fill("#id_body", "**Key observations**\n\n- 1,108 kg of cocaine\n- radar contact lost")
    with alpha.expect_response(lambda r: "/audience/" in r.url):
        alpha.select_option("#id_category", "drug-trafficking")
    alpha.check("#release-fields input[name=tlp][value='2']")  # TLP:AMBER
    expect(audience(alpha)).to_contain_text("Bravonia (XB)")
    expect(audience(alpha)).not_to_contain_text("Charlistan")

    alpha.get_by_role("tab", name="Preview").click()
    expect(alpha.locator("#body-preview strong")).to_have_text("Key observations")
    alpha.get_by_role("tab", name="Write").click()

    alpha.select_option("#id_indicators-0-type", "vessel_imo")
    alpha.fill("#id_indicators-0-value", "IMO 9321483")
    alpha.select_option("#id_indicators-1-type", "phone")
    alpha.fill("#id_indicators-1-value", "+57 300 123 4567")
    alpha.get_by_role("button", name="Add an indicator").click()
    expect(alpha.locator("#id_indicators-2-type")).to_be_focused()
    alpha.evaluate("window.scrollTo(0, 0)")  # the preview column is sticky: show it at the top
    alpha.screenshot(path=shots / "desktop-editor.png", full_page=True)

    alpha.get_by_role("button", name="Publish", exact=True).click()
    expect(alpha.get_by_text("Report published")).to_be_visible()
    report = Report.objects.get()
    assert report.indicators.count() == 2
    report_url = base + reverse("report-detail", args=[report.uuid])
    expect(alpha.locator("table.dissemination")).to_contain_text("Bravonia (XB)")
    alpha.screenshot(path=shots / "desktop-report-originator.png", full_page=True)

    bravo = new_page(DESKTOP)
    sign_in(bravo, base, bravo_analyst)
    bravo.goto(report_url)
    expect(bravo.get_by_role("heading", name=report.title)).to_be_visible()
    expect(bravo.locator(".body strong")).to_have_text("Key observations")
    expect(bravo.get_by_role("link", name="Edit")).to_have_count(0)

    charlie = new_page(DESKTOP)
    sign_in(charlie, base, charlie_analyst)
    charlie.goto(report_url)
    expect(charlie.get_by_role("heading", name="Page not found")).to_be_visible()

    alpha.get_by_role("link", name="Edit", exact=True).click()
    alpha.fill("#id_title", "Go-fast boat with 1,108 kg of cocaine off the eastern cape")
    alpha.fill("#id_change_note", "Seized quantity confirmed")
    alpha.get_by_role("button", name="Save as version 2").click()
    expect(alpha.get_by_text("Saved as version 2")).to_be_visible()

    bravo.reload()
    expect(bravo.get_by_role("heading", name="1,108 kg", exact=False)).to_be_visible()
    expect(bravo.locator(".history")).to_contain_text("Seized quantity confirmed")

    alpha.get_by_role("link", name="Retract").click()
    alpha.fill("#id_reason", "Source burnt")
    alpha.get_by_role("button", name="Retract").click()
    expect(alpha.get_by_text("Report retracted")).to_be_visible()

    bravo.goto(base + reverse("report-list"))
    expect(bravo.locator("main")).not_to_contain_text("Go-fast boat")
    bravo.goto(report_url)
    expect(bravo.get_by_role("heading", name="Page not found")).to_be_visible()


def test_the_editor_fits_a_phone_in_spanish_and_keeps_what_was_typed(
    new_page: Any, live_server: Any, alpha_analyst: User, agreement_ab: Agreement, shots: Path
) -> None:
    phone = new_page(PHONE, locale="es-ES")
    sign_in(phone, live_server.url, alpha_analyst)
    phone.goto(live_server.url + reverse("report-new"))
    expect(phone.get_by_role("heading", name="Nuevo informe")).to_be_visible()
    assert fits(phone, PHONE["width"])
    phone.fill("#id_summary", "Sin título todavía")
    phone.fill("#id_latitude", "95")
    phone.get_by_role("button", name="Guardar borrador").click()
    expect(phone.get_by_text("Algunos campos necesitan atención")).to_be_visible()
    expect(phone.locator("#id_summary")).to_have_value("Sin título todavía")
    expect(phone.locator("#id_latitude")).to_have_value("95")
    assert fits(phone, PHONE["width"])
    phone.screenshot(path=shots / "phone-editor-errors.png", full_page=True)
