"""Property: search answers inside visibility, and its facet counts count exactly that set.

For random reports (authors in three countries, markings, categories, priorities, languages,
sectors, words and plates) and a random principal, query and filters: every result is visible
to the principal, the results are exactly the visible published reports that match, and each
facet's counts equal the counts of that set.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.models import Agency, User
from sharing import services
from sharing.access import forget
from sharing.models import Agreement, Category, Report, Tlp
from sharing.search.query import FACETS, Filters, search

WORDS = ["zorvak", "mintel", "quasar", "plinth"]
PLATES = ["ABC123", "XYZ987"]
AUTHORS = ["alpha", "alpha_customs", "bravo", "charlie"]
PRINCIPALS = ["alpha", "bravo", "charlie"]
SECTORS = ["", "North", "South"]

reports_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "author": st.sampled_from(AUTHORS),
            "category": st.sampled_from(["drug-trafficking", "arms-trafficking"]),
            "tlp": st.sampled_from([Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.RED]),
            "priority": st.integers(0, 3),
            "language": st.sampled_from(["en", "es", "fr", "other"]),
            "sector": st.sampled_from(SECTORS),
            "words": st.sets(st.sampled_from(WORDS), max_size=2),
            "field": st.sampled_from(["title", "summary", "body"]),
            "plate": st.none() | st.sampled_from(PLATES),
            "draft": st.booleans(),
        }
    ),
    min_size=1,
    max_size=8,
)
filters_strategy = st.fixed_dictionaries(
    {
        "category": st.none() | st.sampled_from(["drug-trafficking", "arms-trafficking"]),
        "tlp": st.none() | st.sampled_from([Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.RED]),
        "priority": st.none() | st.integers(0, 3),
        "language": st.none() | st.sampled_from(["en", "es"]),
        "sector": st.none() | st.sampled_from(["north", "South"]),
    }
)
# A word, a plate typed as people type them, or nothing (filters only).
query_strategy = st.sampled_from(["", *WORDS, "abc-123", "xyz 987", "zorvak or mintel"])


@pytest.fixture
def cast(
    alpha_analyst: User,
    alpha_customs_analyst: User,
    bravo_analyst: User,
    charlie_analyst: User,
    agreement_ab: Agreement,
    categories: dict[str, Category],
) -> dict[str, Any]:
    return {
        "users": {
            "alpha": alpha_analyst,
            "alpha_customs": alpha_customs_analyst,
            "bravo": bravo_analyst,
            "charlie": charlie_analyst,
        },
        "categories": categories,
        "alpha_customs": alpha_customs_analyst.agency,
        "alpha": alpha_analyst.agency,
    }


def _write(cast: dict[str, Any], spec: dict[str, Any]) -> Report:
    text = " ".join(sorted(spec["words"]))
    fields = {
        "title": "Report",
        "summary": "",
        "body": "",
        "category": cast["categories"][spec["category"]],
        "tlp": spec["tlp"],
        "priority": spec["priority"],
        "language": spec["language"],
        "border_sector": spec["sector"],
    }
    fields[spec["field"]] = f"{fields[spec['field']]} {text}".strip()
    author = cast["users"][spec["author"]]
    # A RED report names a recipient: Alpha-Customs, or Alpha for a report of Alpha-Customs.
    named: Agency = cast["alpha" if spec["author"] == "alpha_customs" else "alpha_customs"]
    report = services.create_report(
        actor=author,
        fields=fields,
        recipients=[named] if spec["tlp"] == Tlp.RED else [],
        indicators=[("vehicle_plate", spec["plate"])] if spec["plate"] else [],
    )
    if not spec["draft"]:
        services.publish_report(report, actor=author)
    return report


def _matches(spec: dict[str, Any], query: str) -> bool:
    if not query:
        return True
    if query in WORDS:
        return bool(query in spec["words"])
    if query == "zorvak or mintel":
        return bool({"zorvak", "mintel"} & spec["words"])
    plate = query.upper().replace("-", "").replace(" ", "")
    return bool(spec["plate"] == plate)


def _passes(report: Report, filters: dict[str, Any]) -> bool:
    return (
        (filters["category"] is None or report.category.code == filters["category"])
        and (filters["tlp"] is None or report.tlp == filters["tlp"])
        and (filters["priority"] is None or report.priority == filters["priority"])
        and (filters["language"] is None or report.language == filters["language"])
        and (filters["sector"] is None or report.border_sector.lower() == filters["sector"].lower())
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=reports_strategy,
    principal=st.sampled_from(PRINCIPALS),
    query=query_strategy,
    filters=filters_strategy,
)
def test_search_answers_inside_visibility_and_counts_what_it_answers(
    cast: dict[str, Any],
    specs: list[dict[str, Any]],
    principal: str,
    query: str,
    filters: dict[str, Any],
) -> None:
    with transaction.atomic():
        written = [(spec, _write(cast, spec)) for spec in specs]
        user = cast["users"][principal]
        forget(user)
        visible = set(Report.objects.visible_to(user).published().values_list("id", flat=True))
        expected = {
            report.pk
            for spec, report in written
            if report.pk in visible and _matches(spec, query) and _passes(report, filters)
        }
        criteria = Filters(
            category_id=cast["categories"][filters["category"]].pk if filters["category"] else None,
            tlp=filters["tlp"],
            priority=filters["priority"],
            language=filters["language"],
            border_sector=filters["sector"],
        )
        results = search(user, query, criteria, offset=0, size=100)
        found = {hit.report.pk for hit in results.hits}
        assert found <= visible
        assert found == expected
        assert results.total == len(expected)
        rows = Report.objects.filter(pk__in=expected)
        for column in FACETS:
            counts = Counter(getattr(r, column) for r in rows if getattr(r, column) != "")
            assert dict(results.facets[column]) == dict(counts), column
        transaction.set_rollback(True)
