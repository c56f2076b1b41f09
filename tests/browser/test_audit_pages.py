"""The justification page and the audit viewer in a real browser, on a phone and a laptop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.models import Agency, User
from sharing import services
from sharing.models import AuditAction, AuditEvent, Category, Report, Tlp
from tests.browser.conftest import PHONE
from tests.browser.test_workspace import fits, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def red_report(alpha_analyst: User, bravo: Agency, drugs: Category) -> Report:
    report = services.create_report(
        actor=alpha_analyst,
        fields={
            "title": "Courier named by a source inside the haulage company",
            "body": "The courier is **Dana K.**, crossing on Tuesdays.",
            "category": drugs,
            "tlp": Tlp.RED,
        },
        recipients=[bravo],
    )
    services.publish_report(report, actor=alpha_analyst)
    return report


def test_a_red_report_asks_why_on_a_phone_then_shows_and_the_originator_sees_it(
    new_page: Any,
    live_server: Any,
    alpha_analyst: User,
    bravo_analyst: User,
    red_report: Report,
    shots: Path,
) -> None:
    phone = new_page(PHONE, locale="fr-FR")
    sign_in(phone, live_server.url, bravo_analyst)
    phone.goto(live_server.url + reverse("report-detail", args=[red_report.uuid]))
    expect(
        phone.get_by_role("heading", name="Pourquoi consultez-vous ce rapport ?")
    ).to_be_visible()
    expect(phone.get_by_text("Dana K.")).to_have_count(0)
    assert fits(phone, PHONE["width"])
    phone.screenshot(path=shots / "phone-justification.png", full_page=True)
    phone.get_by_label("Référence du dossier ou finalité").fill("Dossier 2026/114")
    phone.get_by_role("button", name="Afficher le rapport").click()
    expect(phone.get_by_text("Dana K.")).to_be_visible()
    event = AuditEvent.objects.get(action=AuditAction.REPORT_VIEWED)
    assert event.justification == "Dossier 2026/114"

    desktop = new_page()
    sign_in(desktop, live_server.url, alpha_analyst)
    desktop.goto(live_server.url + reverse("report-detail", args=[red_report.uuid]))
    accesses = desktop.locator("table.accesses")
    expect(accesses.get_by_text("Dossier 2026/114")).to_be_visible()
    expect(accesses.get_by_text("bravo.analyst")).to_have_count(0)


def test_the_audit_viewer_filters_and_fits_a_phone(
    new_page: Any,
    live_server: Any,
    portal_admin: User,
    bravo_analyst: User,
    red_report: Report,
    shots: Path,
) -> None:
    desktop = new_page()
    sign_in(desktop, live_server.url, portal_admin)
    desktop.goto(live_server.url + reverse("audit-log"))
    expect(desktop.get_by_role("heading", name="Audit record")).to_be_visible()
    expect(desktop.get_by_role("heading", name="Hash chain")).to_be_visible()
    desktop.get_by_label("Action").select_option("report.published")
    desktop.get_by_role("button", name="Filter").click()
    rows = desktop.locator("table.audit-events tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("report.published")
    desktop.screenshot(path=shots / "desktop-audit.png", full_page=True)

    phone = new_page(PHONE)
    sign_in(phone, live_server.url, portal_admin)
    phone.goto(live_server.url + reverse("audit-log"))
    assert fits(phone, PHONE["width"]), "the audit viewer scrolls sideways at 390 px"
    phone.screenshot(path=shots / "phone-audit.png", full_page=True)
