"""Every read path starts from visible_to: outsiders get the same 404 as for a missing report."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from agencies.models import Agency, Country, User
from sharing import services
from sharing.models import (
    Agreement,
    AuditAction,
    AuditEvent,
    Category,
    Report,
    ReportGroupObjectPermission,
    Tlp,
)
from sharing.pagination import newest_first
from tests.helpers import denials, signed_in

Publish = Callable[..., Report]


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def _reads(entry: URLPattern) -> bool:
    """Whether the URL answers GET (the API's publish and retract answer POST only)."""
    view_class = getattr(entry.callback, "view_class", None)
    return view_class is None or hasattr(view_class, "get")


def report_routes() -> list[str]:
    """Names of every URL that takes a report's public id and reads it."""
    return sorted(
        entry.name
        for _, entry in _patterns(get_resolver())
        if entry.name and "report_uuid" in entry.pattern.regex.groupindex and _reads(entry)
    )


def test_the_walk_finds_the_report_pages() -> None:
    assert {"report-detail", "report-explain"} <= set(report_routes())


@pytest.mark.parametrize("route", report_routes())
def test_outsider_gets_404_on_every_report_url_and_it_is_audited(
    route: str,
    publish: Publish,
    alpha_analyst: User,
    charlie_analyst: User,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    client = signed_in(charlie_analyst)
    forbidden = client.get(reverse(route, args=[report.uuid]))
    missing = client.get(reverse(route, args=[uuid.uuid4()]))
    assert forbidden.status_code == missing.status_code == 404
    assert report.title not in forbidden.content.decode()
    denied = denials().filter(action=AuditAction.ACCESS_DENIED, actor_user=charlie_analyst)
    assert denied.filter(details__report=str(report.uuid)).exists()


# Pages that change a report: only the originator agency reaches them (the services' rule).
ORIGINATOR_ONLY = {"report-edit", "report-edit-audience", "report-publish", "report-retract"}


def test_the_walk_finds_the_pages_that_change_a_report() -> None:
    assert set(report_routes()) >= ORIGINATOR_ONLY


@pytest.mark.parametrize("route", sorted(set(report_routes()) - ORIGINATOR_ONLY))
def test_recipient_reaches_every_report_url(
    route: str, publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    assert signed_in(bravo_analyst).get(reverse(route, args=[report.uuid])).status_code == 200


@pytest.mark.parametrize("route", sorted(ORIGINATOR_ONLY))
def test_a_recipient_gets_the_same_404_on_pages_that_change_a_report_and_it_is_audited(
    route: str, publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    client = signed_in(bravo_analyst)
    assert client.get(reverse("report-detail", args=[report.uuid])).status_code == 200
    response = client.get(reverse(route, args=[report.uuid]))
    assert response.status_code == 404
    assert report.title not in response.content.decode()
    denied = denials().get(action=AuditAction.ACCESS_DENIED, actor_user=bravo_analyst)
    assert denied.details["report"] == str(report.uuid)
    assert denied.details["reason"] == "not the originator agency"


@pytest.mark.parametrize("route", report_routes())
def test_the_originator_agency_reaches_every_report_url(
    route: str, publish: Publish, alpha_analyst: User, alpha: Any
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    response = signed_in(alpha_analyst).get(reverse(route, args=[report.uuid]))
    # A published report's publish page sends the analyst back to the report.
    assert response.status_code == (302 if route == "report-publish" else 200)


def test_signed_out_visitors_are_sent_to_sign_in(publish: Publish, alpha_analyst: User) -> None:
    report = publish(alpha_analyst, tlp=Tlp.CLEAR)
    response = Client().get(reverse("report-detail", args=[report.uuid]))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_report_list_shows_only_visible_reports(
    publish: Publish, alpha_analyst: User, charlie_analyst: User, agreement_ab: Agreement
) -> None:
    shared = publish(alpha_analyst, tlp=Tlp.CLEAR, title="Shared with everyone")
    hidden = publish(alpha_analyst, tlp=Tlp.GREEN, title="Kept between A and B")
    body = signed_in(charlie_analyst).get(reverse("report-list")).content.decode()
    assert shared.title in body
    assert hidden.title not in body


def test_admin_report_pages_apply_need_to_know_to_staff(
    publish: Publish, alpha_analyst: User, portal_admin: User
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN, title="Not for the portal admin")
    client = signed_in(portal_admin)
    listing = client.get(reverse("admin:sharing_report_changelist"))
    assert listing.status_code == 200
    assert report.title not in listing.content.decode()
    detail = client.get(reverse("admin:sharing_report_change", args=[report.pk]), follow=True)
    assert report.title not in detail.content.decode()
    denied = denials().get(action=AuditAction.ACCESS_DENIED, actor_user=portal_admin)
    assert denied.channel == "admin"
    assert denied.details["report_id"] == str(report.pk)


def test_report_list_query_count_does_not_grow_with_the_page(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(30):
        publish(alpha_analyst, title=f"Report {i}")
    client = signed_in(bravo_analyst)
    client.get(reverse("report-list"))  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(reverse("report-list"))
    assert response.content.decode().count("/reports/") >= 30


def test_report_list_paginates_with_an_opaque_cursor(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    for i in range(55):
        publish(alpha_analyst, title=f"Paged report {i:02d}")
    client = signed_in(bravo_analyst)
    first = client.get(reverse("report-list")).context
    assert len(first["page"].items) == 50
    assert first["page"].next_cursor
    second = client.get(reverse("report-list"), {"cursor": first["page"].next_cursor}).context
    titles = {r.title for r in first["page"].items} | {r.title for r in second["page"].items}
    assert len(titles) == 55
    assert second["page"].next_cursor is None
    assert client.get(reverse("report-list"), {"cursor": "garbage!"}).status_code == 400


def test_visible_to_listing_runs_a_bounded_number_of_queries(
    publish: Publish,
    bravo_analyst: User,
    alpha_analyst: User,
    agreement_ab: Agreement,
    django_assert_num_queries: Any,
) -> None:
    for i in range(10):
        publish(alpha_analyst, title=f"R{i}")
    user = User.objects.get(pk=bravo_analyst.pk)
    with django_assert_num_queries(2):  # principal resolution, then the page itself
        rows = list(Report.objects.visible_to(user).order_by("-published_at")[:100])
    assert len(rows) == 10
    with django_assert_num_queries(1):  # the principal is memoised for the request
        list(Report.objects.visible_to(user)[:100])


def test_report_list_shows_published_reports_only_and_filters_by_category(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
    arms: Category,
) -> None:
    shared = publish(alpha_analyst, title="Shared under the agreement")
    retracted = publish(alpha_analyst, title="Withdrawn by its author")
    clear = publish(alpha_analyst, title="Open arms notice", category=arms, tlp=Tlp.CLEAR)
    draft = publish(alpha_analyst, title="Still a draft", draft=True)
    services.retract_report(retracted, actor=alpha_analyst, reason="source burnt")

    def listed(user: User, **query: str) -> list[str]:
        page = signed_in(user).get(reverse("report-list"), query).context["page"]
        return [report.title for report in page.items]

    assert listed(bravo_analyst) == [clear.title, shared.title]
    assert listed(bravo_analyst, category="arms-trafficking") == [clear.title]
    # The originator keeps access to its retracted report and draft, but lists published ones.
    assert listed(alpha_analyst) == [clear.title, shared.title]
    assert not ReportGroupObjectPermission.objects.filter(
        content_object__in=[retracted, draft], published_at__isnull=False
    ).exists()


def test_report_list_pages_count_a_report_shared_under_two_agreements_once(
    publish: Publish,
    make_agreement: Callable[..., Agreement],
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
    country_a: Country,
    country_b: Country,
    drugs: Category,
) -> None:
    make_agreement([country_a, country_b], [drugs], reference="MOU/XA-XB/SECOND")
    reports = [publish(alpha_analyst, title=f"Twice shared {i}") for i in range(3)]
    ids: list[int] = []
    cursor = None
    while True:
        page = newest_first(Report.objects.all(), cursor, 1, visible_to=bravo_analyst)
        ids += [report.pk for report in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert ids == [report.pk for report in reversed(reports)]


def test_home_page_lists_the_newest_visible_reports_and_audits_the_listing(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    charlie: Agency,
    agreement_ab: Agreement,
) -> None:
    shared = publish(alpha_analyst, title="Shared with Bravonia")
    publish(alpha_analyst, title="Kept from Bravonia", tlp=Tlp.RED, recipients=[charlie])
    response = signed_in(bravo_analyst).get(reverse("home"))
    assert [r.pk for r in response.context["latest"]] == [shared.pk]
    event = AuditEvent.objects.get(action=AuditAction.REPORT_LISTED, actor_user=bravo_analyst)
    assert event.details == {"page": "home", "count": 1, "map": 0}


@pytest.mark.parametrize(
    "changelist",
    [
        "admin:sharing_dissemination_changelist",
        "admin:sharing_reportversion_changelist",
        "admin:sharing_reportgroupobjectpermission_changelist",
        "admin:sharing_accessrequest_changelist",
    ],
)
def test_admin_rows_about_reports_apply_need_to_know_to_staff(
    publish: Publish,
    alpha_analyst: User,
    charlie_analyst: User,
    portal_admin: User,
    agreement_ab: Agreement,
    changelist: str,
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    services.request_access(report, actor=charlie_analyst, justification="joint case")
    # Staff who are also members of a partner agency see that agency's reports' rows.
    insider = signed_in(alpha_analyst)
    alpha_analyst.is_staff = alpha_analyst.is_superuser = True
    alpha_analyst.save(update_fields=["is_staff", "is_superuser"])
    listing = insider.get(reverse(changelist))
    assert listing.status_code == 200
    assert listing.context["cl"].result_count >= 1
    outsider = signed_in(portal_admin).get(reverse(changelist))
    assert outsider.status_code == 200
    assert outsider.context["cl"].result_count == 0
