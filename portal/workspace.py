"""The analyst workspace around every page: who is signed in, in which role, and the navigation."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies.models import Agency, Country, Membership, Role, User
from agencies.roles import is_portal_admin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Portal admins are not a membership role: agencies.roles.is_portal_admin() alone decides.
PORTAL_ADMIN = "portal_admin"
MEMBER_ROLES = frozenset(Role.values)
EVERYONE = MEMBER_ROLES | {PORTAL_ADMIN}


@dataclass(frozen=True)
class NavItem:
    """A place in the navigation; shown to `roles`, and only once its URL exists."""

    key: str
    label: StrOrPromise
    url_name: str
    roles: frozenset[str]


# Screens that later work adds (search, access requests, agency administration, alerts) are
# listed already: each appears as soon as a URL of that name exists, so no link is ever dead.
NAVIGATION: tuple[NavItem, ...] = (
    NavItem("home", _("Home"), "home", EVERYONE),
    NavItem("reports", _("Reports"), "report-list", EVERYONE),
    # Reports are written for an agency: members only.
    NavItem("new-report", _("New report"), "report-new", MEMBER_ROLES),
    NavItem("search", _("Search"), "search", MEMBER_ROLES),
    NavItem("lookup", _("Hit/no-hit"), "lookup", MEMBER_ROLES),
    NavItem(
        "access-requests",
        _("Access requests"),
        "access-requests",
        frozenset({Role.SUPERVISOR, Role.AGENCY_ADMIN}),
    ),
    NavItem("agency-admin", _("My agency"), "agency-admin", frozenset({Role.AGENCY_ADMIN})),
    NavItem("audit", _("Audit"), "audit-log", frozenset({Role.AGENCY_ADMIN, PORTAL_ADMIN})),
    NavItem(
        "portal-admin",
        pgettext_lazy("navigation", "Portal admin"),
        "admin:index",
        frozenset({PORTAL_ADMIN}),
    ),
)
# The bell next to the menu.
ALERTS = NavItem("alerts", _("Alerts"), "alerts", MEMBER_ROLES)


@dataclass(frozen=True)
class NavLink:
    key: str
    label: StrOrPromise
    url: str
    current: bool


@dataclass(frozen=True)
class Workspace:
    """What the layout shows of the signed-in user: agency, country, role and their links."""

    user: User
    membership: Membership | None
    roles: frozenset[str]
    nav: list[NavLink]
    alerts: NavLink | None

    @property
    def agency(self) -> Agency | None:
        return self.membership.agency if self.membership else None

    @property
    def country(self) -> Country | None:
        return self.membership.agency.country if self.membership else None

    @property
    def role_label(self) -> StrOrPromise:
        if self.membership:
            return self.membership.get_role_display()
        return pgettext_lazy("role", "Portal admin") if PORTAL_ADMIN in self.roles else ""

    @property
    def is_portal_admin(self) -> bool:
        return PORTAL_ADMIN in self.roles


def _link(item: NavItem, roles: frozenset[str], path: str) -> NavLink | None:
    if not item.roles & roles:
        return None
    try:
        url = reverse(item.url_name)
    except NoReverseMatch:
        return None  # that screen does not exist yet
    current = path == url if url == "/" else path.startswith(url)
    return NavLink(item.key, item.label, url, current)


def workspace_of(request: HttpRequest) -> Workspace | None:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    # One query for everything the header shows (agency and country names).
    membership = (
        Membership.objects.select_related("agency__country").filter(user_id=user.pk).first()
    )
    roles = {membership.role} if membership else set()
    if is_portal_admin(user):
        roles.add(PORTAL_ADMIN)
    frozen = frozenset(roles)
    nav = [link for item in NAVIGATION if (link := _link(item, frozen, request.path))]
    # /reports/new/ lies under /reports/ too: only the most specific place is the current one.
    current = [link for link in nav if link.current]
    if len(current) > 1:
        deepest = max(current, key=lambda link: len(link.url))
        nav = [replace(link, current=link is deepest) for link in nav]
    return Workspace(user, membership, frozen, nav, _link(ALERTS, frozen, request.path))


def workspace(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `workspace` in every template (None when signed out), built on use."""
    return {"workspace": SimpleLazyObject(lambda: workspace_of(request))}
