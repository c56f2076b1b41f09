"""The report's life in real Chromium: an Alpha analyst writes and publishes an AMBER report
after previewing who receives it, Bravo reads it, Charlie gets the 404 page, an edit reaches
Bravo as version 2 and retraction takes it away, in English and in Spanish; screenshots of the
editor, the dashboard, the report and the filtered list."""

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


# What the flow clicks and reads, in each language it runs in.
WORDS = {
    "en": {
        "locale": "en-GB",
        "new": "New report",
        "preview": "Preview",
        "write": "Write",
        "add": "Add an indicator",
        "publish": "Publish",
        "published": "Report published",
        "not_found": "Page not found",
        "edit": "Edit",
        "save_v2": "Save as version 2",
        "saved_v2": "Saved as version 2",
        "retract": "Retract",
        "retracted": "Report retracted",
        "shots": "",
    },
    "es": {
        "locale": "es-ES",
        "new": "Nuevo informe",
        "preview": "Vista previa",
        "write": "Escribir",
        "add": "Añadir un indicador",
        "publish": "Publicar",
        "published": "Informe publicado",
        "not_found": "Página no encontrada",
        "edit": "Modificar",
        "save_v2": "Guardar como versión 2",
        "saved_v2": "Guardado como versión 2",
        "retract": "Retirar",
        "retracted": "Informe retirado",
        "shots": "es-",
    },
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_report_from_draft_to_retraction_as_each_agency_sees_it(
    new_page: Any,
    live_server: Any,
    alpha_analyst: User,
    bravo_analyst: User,
    charlie_analyst: User,
    agreement_ab: Agreement,
    shots: Path,
    language: str,
) -> None:
    words = WORDS[language]
    prefix = words["shots"]
    base = live_server.url
    alpha = new_page(DESKTOP, locale=words["locale"])
    sign_in(alpha, base, alpha_analyst)
    alpha.locator('[data-nav-item="new-report"]').click()
    expect(alpha.get_by_role("heading", name=words["new"])).to_be_visible()

    alpha.fill("#id_title", "Go-fast boat with cocaine off the eastern cape")
    alpha.fill("#id_summary", "Two engines, four crew, heading north at night.")
    alpha.fill("#id_body", "**Key observations**\n\n- 1,108 kg of cocaine\n- radar contact lost")
    with alpha.expect_response(lambda r: "/audience/" in r.url):
        alpha.select_option("#id_category", "drug-trafficking")
    alpha.check("#release-fields input[name=tlp][value='2']")  # TLP:AMBER
    expect(audience(alpha)).to_contain_text("Bravonia (XB)")
    expect(audience(alpha)).not_to_contain_text("Charlistan")

    # The location: a click on the map sets latitude and longitude; typing moves the marker.
    pick = alpha.locator("[data-map-pick]")
    expect(pick.locator("path.leaflet-interactive, svg path").first).to_be_attached()
    pick.scroll_into_view_if_needed()
    pick.click(position={"x": 200, "y": 100})
    expect(alpha.locator("#id_latitude")).not_to_have_value("")
    expect(alpha.locator("#id_longitude")).not_to_have_value("")
    alpha.fill("#id_latitude", "1.81")
    alpha.fill("#id_longitude", "-78.76")
    alpha.locator("#id_longitude").dispatch_event("change")

    alpha.get_by_role("tab", name=words["preview"]).click()
    expect(alpha.locator("#body-preview strong")).to_have_text("Key observations")
    alpha.evaluate("window.scrollTo(0, 0)")
    alpha.screenshot(path=shots / f"{prefix}desktop-editor-preview.png", full_page=True)
    alpha.get_by_role("tab", name=words["write"]).click()

    alpha.select_option("#id_indicators-0-type", "vessel_imo")
    alpha.fill("#id_indicators-0-value", "IMO 9321483")
    alpha.select_option("#id_indicators-1-type", "phone")
    alpha.fill("#id_indicators-1-value", "+57 300 123 4567")
    alpha.get_by_role("button", name=words["add"]).click()
    expect(alpha.locator("#id_indicators-2-type")).to_be_focused()
    alpha.evaluate("window.scrollTo(0, 0)")  # the preview column is sticky: show it at the top
    alpha.screenshot(path=shots / f"{prefix}desktop-editor.png", full_page=True)

    alpha.get_by_role("button", name=words["publish"], exact=True).click()
    expect(alpha.get_by_text(words["published"])).to_be_visible()
    report = Report.objects.get()
    assert report.indicators.count() == 2
    assert (float(report.latitude or 0), float(report.longitude or 0)) == (1.81, -78.76)
    report_url = base + reverse("report-detail", args=[report.uuid])
    expect(alpha.locator("table.dissemination")).to_contain_text("Bravonia (XB)")
    expect(alpha.locator(".map-small path.leaflet-interactive")).to_have_count(1)
    alpha.screenshot(path=shots / f"{prefix}desktop-report-originator.png", full_page=True)

    # Bravo finds it on its dashboard, in the list and on the map, and opens it.
    bravo = new_page(DESKTOP, locale=words["locale"])
    sign_in(bravo, base, bravo_analyst)
    bravo.goto(base + reverse("home"))
    expect(bravo.locator(".dash-map path.leaflet-interactive")).to_have_count(1)
    bravo.screenshot(path=shots / f"{prefix}desktop-dashboard.png", full_page=True)
    assert fits(bravo, DESKTOP["width"])
    bravo.locator(".dash-latest").get_by_role("link", name=report.title).click()
    expect(bravo.get_by_role("heading", name=report.title)).to_be_visible()
    expect(bravo.locator(".body strong")).to_have_text("Key observations")
    expect(bravo.get_by_role("link", name=words["edit"])).to_have_count(0)
    bravo.screenshot(path=shots / f"{prefix}desktop-report.png", full_page=True)
    bravo.goto(base + reverse("report-list") + "?category=drug-trafficking&tlp=2")
    expect(bravo.locator("main")).to_contain_text(report.title)
    bravo.screenshot(path=shots / f"{prefix}desktop-reports-filtered.png", full_page=True)

    charlie = new_page(DESKTOP, locale=words["locale"])
    sign_in(charlie, base, charlie_analyst)
    charlie.goto(report_url)
    expect(charlie.get_by_role("heading", name=words["not_found"])).to_be_visible()

    alpha.get_by_role("link", name=words["edit"], exact=True).click()
    alpha.fill("#id_title", "Go-fast boat with 1,108 kg of cocaine off the eastern cape")
    alpha.fill("#id_change_note", "Seized quantity confirmed")
    alpha.get_by_role("button", name=words["save_v2"]).click()
    expect(alpha.get_by_text(words["saved_v2"])).to_be_visible()

    bravo.goto(report_url)
    expect(bravo.get_by_role("heading", name="1,108 kg", exact=False)).to_be_visible()
    expect(bravo.locator(".history")).to_contain_text("Seized quantity confirmed")

    alpha.get_by_role("link", name=words["retract"]).click()
    alpha.fill("#id_reason", "Source burnt")
    alpha.get_by_role("button", name=words["retract"]).click()
    expect(alpha.get_by_text(words["retracted"])).to_be_visible()

    bravo.goto(base + reverse("report-list"))
    expect(bravo.locator("main")).not_to_contain_text("Go-fast boat")
    bravo.goto(report_url)
    expect(bravo.get_by_role("heading", name=words["not_found"])).to_be_visible()


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
