"""The issue's story in Chromium, on the demo world: a Peruvian analyst looks up a plate from a
Colombian TLP:AMBER drug report (CO–PE covers arms trafficking only), sees "1 hit held by CO",
asks for access; a Colombian supervisor approves; the Peruvian analyst opens the report. A
Brazilian analyst (no agreement) looking up the same plate learns nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from agencies.models import User
from sharing import services
from sharing.demo.data import DEMO_PASSWORD
from sharing.models import AuditAction, AuditEvent, Category, Report, Tlp
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLATE = "GHK-472"
TITLE = "Cocaine in a refrigerated truck at Rumichaca"


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("main [type=submit]").click()
    page.wait_for_load_state()


def look_up(page: Any, base: str, values: str) -> None:
    page.goto(base + reverse("lookup"))
    page.fill("#id_values", values)
    page.get_by_role("button", name="Look up").click()
    page.wait_for_load_state()


def fits(page: Any, width: int) -> bool:
    return bool(page.evaluate(f"document.documentElement.scrollWidth <= {width}"))


@pytest.fixture
def demo(categories: dict[str, Category]) -> Report:
    call_command("seed_demo", reports=24, verbosity=0)
    analyst = User.objects.get(username="co-policia.analyst")
    report = services.create_report(
        actor=analyst,
        fields={
            "title": TITLE,
            "summary": "Two hundred kilos hidden behind frozen fish.",
            "category": categories["drug-trafficking"],
            "tlp": Tlp.AMBER,
        },
        indicators=[("vehicle_plate", PLATE)],
    )
    services.publish_report(report, actor=analyst)
    return report


def test_a_partner_hit_becomes_an_approved_request_and_a_stranger_sees_nothing(
    new_page: Any, live_server: Any, demo: Report, shots: Path
) -> None:
    base = live_server.url
    peru = new_page()
    sign_in(peru, base, "pe-policia.analyst")
    assert peru.goto(base + reverse("report-detail", args=[demo.uuid])).status == 404

    look_up(peru, base, "ghk 472\nZZZ-000")
    answer = peru.locator("[data-held=CO]")
    expect(answer).to_contain_text("1 hit held by CO")
    expect(peru.get_by_text(TITLE)).to_have_count(0)
    expect(peru.get_by_text("No hit")).to_be_visible()
    peru.screenshot(path=shots / "desktop-lookup.png", full_page=True)

    answer.get_by_text("Request access").click()
    answer.get_by_label("Why your agency needs it").fill("Same truck seen at Aguas Verdes")
    answer.get_by_label("Urgency").select_option(label="Urgent")
    answer.get_by_role("button", name="Send the request").click()
    expect(peru.get_by_text("1 request sent to the holder in CO")).to_be_visible()
    expect(peru.locator("[data-own-request=pending]")).to_contain_text("ghk 472")
    expect(peru.get_by_text(TITLE)).to_have_count(0)

    colombia = new_page()
    sign_in(colombia, base, "co-policia.supervisor")
    expect(colombia.locator("[data-nav-count]")).to_contain_text("1")
    colombia.locator("[data-nav-item=access-requests]").click()
    request = colombia.locator("[data-access-request]")
    expect(request).to_contain_text(TITLE)
    expect(request).to_contain_text("ghk 472")
    expect(request).to_contain_text("Same truck seen at Aguas Verdes")
    colombia.screenshot(path=shots / "desktop-access-requests.png", full_page=True)
    request.get_by_role("button", name="Approve").click()
    expect(colombia.get_by_text("can see the report now")).to_be_visible()
    expect(colombia.locator("[data-nav-count]")).to_have_count(0)

    peru.goto(base + reverse("lookup"))
    peru.get_by_role("link", name="Approved: open the report").click()
    expect(peru.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(peru.get_by_text("Two hundred kilos hidden behind frozen fish.")).to_be_visible()

    brazil = new_page()
    sign_in(brazil, base, "br-pf.analyst")
    look_up(brazil, base, PLATE)
    expect(brazil.locator("[data-answer]")).to_contain_text("No hit")
    assert "held by" not in brazil.content()
    (event,) = AuditEvent.objects.filter(
        action=AuditAction.HIT_CHECKED, actor_label="br-pf.analyst"
    )
    assert event.details["values"][0]["held"] == {}
    holder_events = AuditEvent.objects.filter(
        action=AuditAction.HIT_CHECKED, details__side="holder"
    )
    assert {e.actor_label for e in holder_events} == {"pe-policia.analyst"}


def test_lookup_and_queue_fit_a_phone(
    new_page: Any, live_server: Any, demo: Report, shots: Path
) -> None:
    base = live_server.url
    phone = new_page(PHONE)
    sign_in(phone, base, "pe-policia.analyst")
    look_up(phone, base, PLATE)
    expect(phone.locator("[data-held=CO]")).to_be_visible()
    assert fits(phone, PHONE["width"])
    phone.screenshot(path=shots / "phone-lookup.png", full_page=True)
    phone.goto(base + reverse("search") + "?q=cocaine")
    assert fits(phone, PHONE["width"])
    phone.screenshot(path=shots / "phone-search.png", full_page=True)
