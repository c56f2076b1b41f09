"""A signed-in analyst reads the API docs (vendored Swagger UI, under the CSP) and tries a call."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.models import User
from sharing.models import Agreement
from tests.browser.test_agreement_suspension import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_without_csp_violations_and_try_it_out_uses_the_session(
    browser: Any, live_server: Any, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    page = browser.new_context().new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    _sign_in(page, live_server.url, reverse("login"), bravo_analyst)
    page.goto(live_server.url + reverse("api-docs"))
    expect(page.get_by_text("Border Intelligence Exchange API").first).to_be_visible()
    operation = page.locator("#operations-agreements-agreements_list")
    expect(operation).to_be_visible()
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(
        operation.locator(".live-responses-table tbody .response-col_status").first
    ).to_have_text("200")
    expect(operation.get_by_text(agreement_ab.reference).first).to_be_visible()
    assert not [text for text in console if "Content Security Policy" in text], console
