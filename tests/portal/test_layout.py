"""The layout around every page: role-aware navigation, who is acting, messages, error pages."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

from agencies.models import Agency, Role, User
from agencies.services import grant_portal_admin
from sharing.models import Agreement, Report, Tlp
from tests.conftest import PASSWORD
from tests.helpers import signed_in

Publish = Callable[..., Report]
NAV_ITEM = re.compile(r'data-nav-item="([\w-]+)"')
LATER_SCREENS = "tests.portal.urls_with_later_screens"


def nav_items(client: Client) -> list[str]:
    return NAV_ITEM.findall(client.get(reverse("home")).content.decode())


@pytest.mark.parametrize(
    ("role", "portal_admin_role", "expected"),
    [
        (Role.ANALYST, False, ["home", "reports", "new-report", "search", "lookup"]),
        (
            Role.SUPERVISOR,
            False,
            ["home", "reports", "new-report", "search", "lookup", "access-requests"],
        ),
        (
            Role.AGENCY_ADMIN,
            False,
            [
                "home",
                "reports",
                "new-report",
                "search",
                "lookup",
                "access-requests",
                "agency-admin",
                "audit",
            ],
        ),
        (
            Role.ANALYST,
            True,
            ["home", "reports", "new-report", "search", "lookup", "audit", "portal-admin"],
        ),
    ],
)
def test_navigation_shows_each_role_its_screens(
    role: str,
    portal_admin_role: bool,
    expected: list[str],
    make_member: Callable[..., User],
    alpha: Agency,
    portal_admin: User,
    settings: Any,
) -> None:
    settings.ROOT_URLCONF = LATER_SCREENS
    user = make_member("someone", alpha, role)
    if portal_admin_role:
        grant_portal_admin(user, actor=portal_admin)
    assert nav_items(signed_in(user)) == expected


def test_staff_without_the_portal_admin_role_gets_no_admin_link(
    alpha_analyst: User, settings: Any
) -> None:
    settings.ROOT_URLCONF = LATER_SCREENS
    User.objects.filter(pk=alpha_analyst.pk).update(is_staff=True)
    assert nav_items(signed_in(alpha_analyst)) == [
        "home",
        "reports",
        "new-report",
        "search",
        "lookup",
    ]


def test_portal_admin_without_an_agency_sees_the_admin_but_not_agency_screens(
    portal_admin: User, settings: Any
) -> None:
    settings.ROOT_URLCONF = LATER_SCREENS
    client = signed_in(portal_admin)
    assert nav_items(client) == ["home", "reports", "audit", "portal-admin"]
    assert "data-nav-alerts" not in client.get(reverse("home")).content.decode()


def test_the_alerts_bell_appears_once_alerts_exist(alpha_analyst: User, settings: Any) -> None:
    client = signed_in(alpha_analyst)
    assert "data-nav-alerts" not in client.get(reverse("home")).content.decode()
    settings.ROOT_URLCONF = LATER_SCREENS
    assert 'href="/alerts/" data-nav-alerts' in client.get(reverse("home")).content.decode()


def test_screens_that_do_not_exist_yet_leave_no_dead_links(alpha_supervisor: User) -> None:
    assert nav_items(signed_in(alpha_supervisor)) == [
        "home",
        "reports",
        "new-report",
        "search",
        "lookup",
        "access-requests",
    ]


def test_the_current_section_is_marked(alpha_analyst: User, publish: Publish) -> None:
    report = publish(alpha_analyst)
    body = signed_in(alpha_analyst).get(reverse("report-detail", args=[report.uuid]))
    assert 'data-nav-item="reports" aria-current="page"' in body.content.decode()
    writing = signed_in(alpha_analyst).get(reverse("report-new")).content.decode()
    assert 'data-nav-item="new-report" aria-current="page"' in writing
    assert 'data-nav-item="reports" aria-current' not in writing


def test_header_shows_the_agency_its_country_and_the_role(alpha_supervisor: User) -> None:
    body = signed_in(alpha_supervisor).get(reverse("report-list")).content.decode()
    identity = body.split("data-identity>", 1)[1].split("</div>", 1)[0]
    for shown in ("Alpha Border Guard", "Alphaland (XA)", "Supervisor"):
        assert shown in identity


def test_signing_in_and_out_leaves_a_message_each_time(alpha_analyst: User) -> None:
    client = Client()
    response = client.post(
        reverse("login"), {"username": alpha_analyst.username, "password": PASSWORD}, follow=True
    )
    assert "Signed in as alpha.analyst." in response.content.decode()
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You have signed out." in response.content.decode()


def test_password_change_and_its_done_page_in_the_layout(alpha_analyst: User) -> None:
    client = signed_in(alpha_analyst)
    page = client.get(reverse("password_change"))
    assert 'class="site-header"' in page.content.decode()
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-longer-new-pass-phrase",
            "new_password2": "a-longer-new-pass-phrase",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("password_change_done")
    body = response.content.decode()
    assert "Your password has been changed." in body
    assert "Password changed" in body
    alpha_analyst.refresh_from_db()
    assert alpha_analyst.check_password("a-longer-new-pass-phrase")


def _without_tokens(html: str) -> str:
    return re.sub(r'(name="csrfmiddlewaretoken" value|name="csrf-token" content)="[^"]*"', "", html)


def test_not_found_page_is_the_same_for_a_missing_and_a_hidden_report(
    publish: Publish, alpha_analyst: User, charlie_analyst: User, agreement_ab: Agreement
) -> None:
    hidden = publish(alpha_analyst, tlp=Tlp.GREEN)
    client = signed_in(charlie_analyst)
    forbidden = client.get(reverse("report-detail", args=[hidden.uuid]))
    missing = client.get(reverse("report-detail", args=[uuid.uuid4()]))
    assert forbidden.status_code == missing.status_code == 404
    assert _without_tokens(forbidden.content.decode()) == _without_tokens(missing.content.decode())
    assert "Page not found" in forbidden.content.decode()
    assert "No such report" not in forbidden.content.decode()


def test_server_error_page_renders_without_a_request_context_or_database() -> None:
    # No django_db mark: any query while rendering fails the test.
    with translation.override("en"):
        response = defaults.server_error(RequestFactory().get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "/static/css/portal.css" in body
    assert "<form" not in body  # no language form without a CSRF token


def test_forbidden_page_is_in_the_layout() -> None:
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    with translation.override("en"):
        response = defaults.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert "Access denied" in response.content.decode()
    assert 'class="site-header"' in response.content.decode()


@pytest.mark.django_db
def test_an_expired_form_gets_the_layout_page_not_djangos() -> None:
    response = Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": "x", "password": "y"}
    )
    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()


def test_pages_carry_the_csrf_token_for_htmx_and_the_vendored_htmx(alpha_analyst: User) -> None:
    body = signed_in(alpha_analyst).get(reverse("home")).content.decode()
    assert re.search(r'<meta name="csrf-token" content="\w+">', body)
    assert '<script src="/static/vendor/htmx.org-4.0.1/htmx.min.js" defer>' in body
    assert '<script src="/static/js/portal.js" type="module">' in body
