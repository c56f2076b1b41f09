"""The workspace in real Chromium: languages that follow the user, phones without sideways
scrolling, htmx requests that carry the CSRF token, no CSP violation; screenshots for docs/."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.models import User
from sharing import services
from sharing.models import Agreement, Category, Report, Tlp
from tests.browser.conftest import PHONE
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reports(
    alpha_analyst: User, agreement_ab: Agreement, drugs: Category, categories: Any
) -> list[Report]:
    """A few reports of Alpha, shared with Bravo; one with long unbroken values."""
    plans = [
        ("Cocaine concealed in banana containers at the northern port", Tlp.GREEN, drugs, []),
        (
            "Go-fast boat with 1,108 kg of cocaine intercepted off the eastern cape after a"
            " night-time pursuit across the bay",
            Tlp.AMBER,
            drugs,
            [
                ("crypto_wallet", "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh9v8d7c6b5a4z3y2x1w0"),
                ("url", "https://example.org/a/very/long/path/that/never/breaks/by/itself/x"),
            ],
        ),
        (
            "Smuggling fees collected by mobile money at the border bridge",
            Tlp.CLEAR,
            categories["migrant-smuggling"],
            [("phone", "+57 300 123 4567")],
        ),
    ]
    made = []
    for title, tlp, category, indicators in plans:
        report = services.create_report(
            actor=alpha_analyst,
            fields={
                "title": title,
                "summary": "Seen twice this month; the same haulage company both times.",
                "body": "Officers found the load in a false floor.\n\nRoute confirmed by radar.",
                "category": category,
                "tlp": tlp,
                "place": "Northern port",
                "border_sector": "Sector 4",
            },
            indicators=indicators,
        )
        services.publish_report(report, actor=alpha_analyst)
        made.append(report)
    return made


def sign_in(page: Any, base: str, user: User) -> None:
    page.goto(base + reverse("login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main [type=submit]").click()
    page.wait_for_load_state()


def nav(page: Any) -> Any:
    return page.locator("#site-nav .nav-links")


def fits(page: Any, width: int) -> bool:
    return bool(page.evaluate(f"document.documentElement.scrollWidth <= {width}"))


def test_spanish_follows_the_user_through_pages_and_sign_out(
    new_page: Any, live_server: Any, bravo_analyst: User, reports: list[Report], shots: Path
) -> None:
    page = new_page()
    sign_in(page, live_server.url, bravo_analyst)
    expect(nav(page)).to_contain_text("Reports")
    page.screenshot(path=shots / "desktop-home.png", full_page=True)

    page.select_option("#language-select", "es")  # submits itself
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_text("Idioma cambiado a español.")).to_be_visible()
    nav(page).get_by_role("link", name="Informes").click()
    expect(page.get_by_role("heading", name="Informes")).to_be_visible()
    expect(nav(page)).to_contain_text("Inicio")
    expect(page.locator("[data-identity]")).to_contain_text("Analista")

    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page.get_by_text("Ha cerrado la sesión.")).to_be_visible()
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    page.fill("#id_username", bravo_analyst.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(nav(page)).to_contain_text("Informes")

    # Another browser, whose own language is English: the saved choice wins at sign-in.
    elsewhere = new_page()
    sign_in(elsewhere, live_server.url, bravo_analyst)
    expect(nav(elsewhere)).to_contain_text("Informes")
    expect(elsewhere.get_by_text("Sesión iniciada como bravo.analyst.")).to_be_visible()


def test_pages_fit_a_phone_and_the_laptop_screenshots(
    new_page: Any, live_server: Any, bravo_analyst: User, reports: list[Report], shots: Path
) -> None:
    long_one = reports[1]
    pages = {
        "home": reverse("home"),
        "reports": reverse("report-list"),
        "report": reverse("report-detail", args=[long_one.uuid]),
        "explain": reverse("report-explain", args=[long_one.uuid]),
    }
    desktop = new_page()
    sign_in(desktop, live_server.url, bravo_analyst)
    for name in ("reports", "report"):
        desktop.goto(live_server.url + pages[name])
        desktop.screenshot(path=shots / f"desktop-{name}.png", full_page=True)

    phone = new_page(PHONE, locale="es-ES")
    phone.goto(live_server.url + reverse("login"))
    expect(phone.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    assert fits(phone, PHONE["width"])
    phone.screenshot(path=shots / "phone-sign-in.png")
    sign_in(phone, live_server.url, bravo_analyst)
    for name, path in pages.items():
        phone.goto(live_server.url + path)
        assert fits(phone, PHONE["width"]), f"{name} scrolls sideways at 390 px"
        phone.screenshot(path=shots / f"phone-{name}.png", full_page=True)

    menu = phone.get_by_role("button", name="Menú")
    expect(nav(phone)).to_be_hidden()
    menu.click()
    expect(nav(phone).get_by_role("link", name="Informes")).to_be_visible()
    assert fits(phone, PHONE["width"])
    phone.screenshot(path=shots / "phone-menu.png")

    phone.goto(live_server.url + reverse("report-detail", args=[uuid.UUID(int=0)]))
    expect(phone.get_by_role("heading", name="Página no encontrada")).to_be_visible()
    assert fits(phone, PHONE["width"])
    assert {p.name for p in shots.iterdir()} >= {"desktop-reports.png", "phone-report.png"}


def test_htmx_requests_carry_the_csrf_token(
    new_page: Any, live_server: Any, bravo_analyst: User
) -> None:
    page = new_page()
    sign_in(page, live_server.url, bravo_analyst)
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate(
        """() => {
        const button = document.createElement("button");
        button.id = "probe";
        button.setAttribute("hx-post", "/language/");
        button.setAttribute("hx-vals", '{"language": "fr"}');
        button.setAttribute("hx-swap", "none");
        document.querySelector("main").append(button);
        htmx.process(button);
    }"""
    )
    with page.expect_response(lambda r: r.url.endswith("/language/")) as answer:
        page.click("#probe")
    # Django answers 403 to a POST without the token; with it, set_language redirects.
    assert answer.value.status == 302
    bravo_analyst.refresh_from_db()
    assert bravo_analyst.language == "fr"
