"""Real Chromium (Debian's package) driven by Playwright against Django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Keep the browser on loopback: no update checks, sync or other background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session; missing Chromium fails under CI=true."""
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (Debian package 'chromium')"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the ORM calls the tests make
    # around it are synchronous and safe.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture(autouse=True)
def _live_server_threads_close_their_connections() -> Iterator[None]:
    """Each live-server request thread opens connections (a denial opens the "audit" one too);
    without reuse it closes them."""
    from django.db import connections

    saved = {alias: connections.settings[alias].get("CONN_MAX_AGE", 0) for alias in connections}
    for alias in saved:
        connections.settings[alias]["CONN_MAX_AGE"] = 0
    yield
    for alias, max_age in saved.items():
        connections.settings[alias]["CONN_MAX_AGE"] = max_age


# Screenshots go to BIX_SCREENSHOTS when set (`make screenshots` sets docs/screenshots/, what
# docs/front-end.md shows); otherwise to a temporary folder, so a test run leaves the committed
# pictures alone (their dates change on every run).
SCREENSHOTS_ENV = os.environ.get("BIX_SCREENSHOTS", "")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(SCREENSHOTS_ENV) if SCREENSHOTS_ENV else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """Pages in fresh browser contexts (own cookies), failing on any CSP violation."""
    contexts: list[Any] = []
    violations: list[str] = []

    def make(viewport: dict[str, int] = DESKTOP, locale: str = "en-GB") -> Any:
        context = browser.new_context(viewport=viewport, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        # Let the live server finish its requests before the database is flushed.
        for page in context.pages:
            page.wait_for_load_state("networkidle")
        context.close()
    assert violations == []
