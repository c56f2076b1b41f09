"""A portal admin suspends an agreement in the admin; the partner's next page load is denied."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.models import User
from sharing.models import Agreement, AgreementState, Dissemination, Report
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, base: str, login_path: str, user: User) -> None:
    page.goto(base + login_path)
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main [type=submit]").click()  # the header has a language form too
    page.wait_for_load_state()


def test_admin_suspends_an_agreement_and_the_partner_loses_the_report(
    browser: Any,
    live_server: Any,
    publish: Callable[..., Report],
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst, title="Container route through the northern port")
    partner = browser.new_context().new_page()
    _sign_in(partner, live_server.url, reverse("login"), bravo_analyst)
    report_url = live_server.url + reverse("report-detail", args=[report.uuid])
    assert partner.goto(report_url).status == 200
    expect(partner.get_by_text("Container route through the northern port").first).to_be_visible()

    admin = browser.new_context().new_page()
    _sign_in(admin, live_server.url, reverse("admin:login"), portal_admin)
    admin.goto(live_server.url + reverse("admin:sharing_agreement_change", args=[agreement_ab.pk]))
    admin.get_by_role("link", name="Suspend").click()
    admin.get_by_role("button", name="Suspend agreement").click()
    expect(admin.get_by_text("Give the reason for this change")).to_be_visible()
    admin.fill("textarea[name=reason]", "Handling breach under review")
    admin.get_by_role("button", name="Suspend agreement").click()
    expect(admin.get_by_text("is now suspended")).to_be_visible()

    agreement_ab.refresh_from_db()
    assert agreement_ab.state == AgreementState.SUSPENDED
    assert partner.goto(report_url).status == 404
    row = Dissemination.objects.get(report=report, agreement=agreement_ab)
    assert row.revoked_at == agreement_ab.state_changed_at
