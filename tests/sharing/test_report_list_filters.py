"""The report list's filters: each narrows the list, pages keep them, bad input is answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.urls import reverse

from agencies.models import User
from sharing.models import Agreement, Category, Priority, Report, Tlp
from tests.helpers import signed_in

Publish = Callable[..., Report]


def _titles(user: User, **query: str) -> list[str]:
    response = signed_in(user).get(reverse("report-list"), query)
    assert response.status_code == 200, response.content.decode()[:500]
    return [report.title for report in response.context["page"].items]


def test_each_filter_narrows_the_list_to_matching_visible_reports(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    charlie_analyst: User,
    agreement_ab: Agreement,
    arms: Category,
) -> None:
    urgent = publish(alpha_analyst, title="Urgent", priority=Priority.URGENT, language="es")
    clear = publish(alpha_analyst, title="Open arms notice", category=arms, tlp=Tlp.CLEAR)
    amber = publish(alpha_analyst, title="Amber drugs", tlp=Tlp.AMBER, language="fr")
    own = publish(bravo_analyst, title="Bravo's own", tlp=Tlp.GREEN)

    assert _titles(bravo_analyst) == [own.title, amber.title, clear.title, urgent.title]
    assert _titles(bravo_analyst, category="arms-trafficking") == [clear.title]
    assert _titles(bravo_analyst, tlp=str(Tlp.AMBER)) == [amber.title]
    assert _titles(bravo_analyst, country="XA") == [amber.title, clear.title, urgent.title]
    assert _titles(bravo_analyst, country="XB") == [own.title]
    assert _titles(bravo_analyst, priority=str(Priority.URGENT)) == [urgent.title]
    assert _titles(bravo_analyst, language="fr") == [amber.title]
    assert _titles(bravo_analyst, country="XA", language="es") == [urgent.title]
    # Charlie has no agreement: filters never widen what it sees.
    assert _titles(charlie_analyst, country="XA") == [clear.title]
    assert _titles(charlie_analyst, tlp=str(Tlp.AMBER)) == []


def test_date_range_takes_whole_days_both_ends_included(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, title="Dated")
    assert report.published_at is not None
    day = report.published_at.astimezone(dt.UTC).date()
    assert _titles(bravo_analyst, since=str(day), until=str(day)) == [report.title]
    assert _titles(bravo_analyst, since=str(day + dt.timedelta(days=1))) == []
    assert _titles(bravo_analyst, until=str(day - dt.timedelta(days=1))) == []


def test_pages_of_a_filtered_list_keep_the_filters(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
    arms: Category,
) -> None:
    for i in range(52):
        publish(alpha_analyst, title=f"Drugs {i:02d}", language="es")
    publish(alpha_analyst, title="Arms", category=arms, tlp=Tlp.CLEAR, language="es")
    client = signed_in(bravo_analyst)
    first = client.get(reverse("report-list"), {"category": "drug-trafficking", "language": "es"})
    body = first.content.decode()
    assert len(first.context["page"].items) == 50
    assert "category=drug-trafficking" in body
    assert "language=es" in body
    second = client.get(
        reverse("report-list"),
        {
            "category": "drug-trafficking",
            "language": "es",
            "cursor": first.context["page"].next_cursor,
        },
    )
    titles = [r.title for r in first.context["page"].items + second.context["page"].items]
    assert len(set(titles)) == 52
    assert "Arms" not in titles


def test_bad_filters_are_answered_on_their_field(bravo_analyst: User, agreement_ab: Any) -> None:
    client = signed_in(bravo_analyst)
    response = client.get(
        reverse("report-list"),
        {"category": "no-such-thing", "tlp": "9", "since": "2026-05-02", "until": "2026-05-01"},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"category", "tlp", "until"}
    body = response.content.decode()
    assert "The end of the range is before its start." in body
    assert 'value="no-such-thing"' not in body  # an unknown category is not echoed as chosen


def test_filtered_list_query_count_is_bounded(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    agreement_ab: Agreement,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(30):
        publish(alpha_analyst, title=f"Report {i}", language="es")
    client = signed_in(bravo_analyst)
    client.get(reverse("report-list"))  # warm the session
    with django_assert_max_num_queries(14):
        response = client.get(
            reverse("report-list"), {"language": "es", "category": "drug-trafficking"}
        )
    assert len(response.context["page"].items) == 30
