"""Full-text search over the reports a principal may see: matches, facets, ranked pages, snippets.

Every search starts at `Report.objects.visible_to(principal)`: the matches, the facet counts
and the total are all counted inside the principal's visibility, so neither a result nor a
count says anything about a report the principal may not see.

The query text is read with PostgreSQL's `websearch_to_tsquery` (quotes for phrases, `-` to
exclude, `or`) in the text configuration of each report's language: `cocaine` finds a Spanish
report's `cocaína` through the Spanish stemmer, and `-banana` excludes every form the report's
own language gives the word. The GIN index serves one reading per language. Indicator values
also match exactly: the text is normalised as each indicator type would be, so `ABC 123`,
`abc-123` and `ABC123` all find the plate stored as `ABC123`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import BooleanField, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from sharing.indicators import normalize
from sharing.models import Indicator, IndicatorType, Report
from sharing.models.reports import ReportQuerySet
from sharing.search.document import TEXT_CONFIGURATIONS, configuration_sql

MAX_QUERY_LENGTH = 200
# Reports found through an exact indicator value, at most (a value on more reports than this is
# common enough that the words of the query, not the value, should narrow it).
MAX_INDICATOR_MATCHES = 1000

_STEMMED = tuple(TEXT_CONFIGURATIONS.items())
_LANGUAGE = "sharing_report.language"
READINGS = len(_STEMMED) + 1


def query_sql(language: str) -> str:
    """The query (READINGS parameters) as read in the language of `language` (a column)."""
    cases = " ".join(
        f"WHEN '{code}' THEN websearch_to_tsquery('{name}', %s)" for code, name in _STEMMED
    )
    return f"(CASE {language} {cases} ELSE websearch_to_tsquery('simple', %s) END)"


# A query is read in each language reports are written in, and a report matches when any
# reading does. With an exclusion (`-word`) that is not enough: a report must match the reading
# of its own language, or a word excluded in English would come back through the Spanish
# reading. That condition depends on the row, so no index serves it: the OR of every reading
# comes first, a superset the GIN index answers in one scan, and the exact reading checks it.
# (One scan per language, each AND-ed with the language, cost ten times as much at 1M reports:
# the planner intersects each with every report of that language.)
_ANY_READING = (
    "("
    + " || ".join(
        [*(f"websearch_to_tsquery('{name}', %s)" for _, name in _STEMMED)]
        + ["websearch_to_tsquery('simple', %s)"]
    )
    + ")"
)
MATCH_SQL = (
    f"(sharing_report.search_vector @@ {_ANY_READING}"
    f" AND sharing_report.search_vector @@ {query_sql(_LANGUAGE)})"
)
MATCH_PARAMETERS = 2 * READINGS
# Without an exclusion the readings only add matches, so their OR alone is the answer and
# the index answers it without reading any report's document (a phrase still needs positions).
_ANY_SQL = f"sharing_report.search_vector @@ {_ANY_READING}"
_EXCLUSION = re.compile(r"(?:^|\s)-\S")


def match_sql(text: str) -> tuple[str, list[str]]:
    """The condition that a report matches `text`, and its parameters."""
    if _EXCLUSION.search(text):
        return MATCH_SQL, [text] * MATCH_PARAMETERS
    return _ANY_SQL, [text] * READINGS


# Markers ts_headline puts around matches; turned into <mark> after the text is escaped.
_START, _STOP = "\x02", "\x03"
_MARKED = re.compile(f"{_START}(.*?){_STOP}", re.DOTALL)
_HEADLINE_OPTIONS = {
    "title": f"HighlightAll=true, StartSel={_START}, StopSel={_STOP}",
    "snippet": (
        f'MaxFragments=2, MaxWords=30, MinWords=12, FragmentDelimiter=" … ",'
        f" StartSel={_START}, StopSel={_STOP}"
    ),
}


class Sort:
    RELEVANCE = "relevance"
    NEWEST = "newest"
    ALL = (RELEVANCE, NEWEST)


# Facet dimensions: the report column each counts.
FACETS = ("category_id", "tlp", "originator_country_id", "priority", "language", "border_sector")
# Border sectors are free text: the page lists the most frequent ones only.
MAX_SECTOR_BUCKETS = 10


@dataclass(frozen=True)
class Filters:
    category_id: int | None = None
    tlp: int | None = None
    originator_country_id: int | None = None
    priority: int | None = None
    language: str | None = None
    border_sector: str | None = None
    published_from: dt.date | None = None
    published_to: dt.date | None = None

    def apply(self, reports: ReportQuerySet) -> ReportQuerySet:
        exact = {
            name: getattr(self, name)
            for name in FACETS
            if name != "border_sector" and getattr(self, name) is not None
        }
        reports = reports.filter(**exact)
        if self.border_sector:
            reports = reports.filter(border_sector__iexact=self.border_sector)
        # Whole UTC days, as bounds on the column (so its index serves the range).
        if self.published_from:
            reports = reports.filter(published_at__gte=_day_start(self.published_from))
        if self.published_to:
            end = _day_start(self.published_to) + dt.timedelta(days=1)
            reports = reports.filter(published_at__lt=end)
        return reports


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


@dataclass
class Hit:
    report: Report
    title_html: SafeString
    snippet_html: SafeString
    by_indicator: bool


@dataclass
class Results:
    total: int
    hits: list[Hit]
    # dimension -> [(value, count)], largest first
    facets: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)


def indicator_candidates(text: str) -> set[tuple[str, str]]:
    """(type, normalised value) pairs `text` stands for, as each indicator type reads it."""
    text = text.strip()
    if not text or len(text) > MAX_QUERY_LENGTH:
        return set()
    pairs = {(kind, normalize(kind, text)) for kind in IndicatorType.values}
    return {(kind, value) for kind, value in pairs if value}


def indicator_report_ids(text: str, within: QuerySet[Report]) -> list[int]:
    """Ids of the reports of `within` (visible ones) carrying `text` as an indicator value.

    Narrowed before the cap, so how many reports elsewhere carry the value changes nothing.
    """
    condition = Q()
    for kind, value in indicator_candidates(text):
        condition |= Q(type=kind, normalized=value)
    if not condition:
        return []
    return list(
        Indicator.objects.filter(condition, report__in=within.order_by().values("id"))
        .order_by()
        .values_list("report_id", flat=True)
        .distinct()[:MAX_INDICATOR_MATCHES]
    )


def text_condition(text: str, indicator_ids: Sequence[int]) -> Q:
    """Reports whose document matches `text`, or that carry it as an indicator value."""
    sql, params = match_sql(text)
    matches = RawSQL(  # noqa: S611 - fixed SQL, the text is a parameter
        sql,
        params,
        output_field=BooleanField(),
    )
    condition = Q(matches)
    if indicator_ids:
        condition |= Q(id__in=list(indicator_ids))
    return condition


def matching(reports: ReportQuerySet, text: str) -> ReportQuerySet:
    """`reports` narrowed to those matching `text` (for lists ordered by the caller)."""
    return reports.filter(text_condition(text, indicator_report_ids(text, reports)))


def _facet_counts(reports: QuerySet[Report]) -> tuple[int, dict[str, list[tuple[Any, int]]]]:
    """The total and, per dimension, the number of reports for each value: one scan."""
    inner, params = reports.order_by().values(*FACETS).query.sql_with_params()
    columns = ", ".join(FACETS)
    groupings = ", ".join(f"GROUPING({c})" for c in FACETS)
    sets = ", ".join(["()", *(f"({c})" for c in FACETS)])
    sql = (
        f"SELECT {columns}, {groupings}, count(*) FROM ({inner}) AS s"  # noqa: S608 - fixed SQL
        f" GROUP BY GROUPING SETS ({sets})"
    )
    total = 0
    facets: dict[str, list[tuple[Any, int]]] = {name: [] for name in FACETS}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            values, grouped, count = row[: len(FACETS)], row[len(FACETS) : -1], row[-1]
            dimensions = [i for i, g in enumerate(grouped) if g == 0]
            if not dimensions:
                total = count
                continue
            (i,) = dimensions
            if values[i] in (None, ""):
                continue
            facets[FACETS[i]].append((values[i], count))
    for name, buckets in facets.items():
        buckets.sort(key=lambda b: (-b[1], str(b[0])))
        if name == "border_sector":
            del buckets[MAX_SECTOR_BUCKETS:]
    return total, facets


def _headlines(text: str, ids: list[int]) -> dict[int, tuple[SafeString, SafeString]]:
    """Highlighted title and snippet of each report of the page (ts_headline on these only)."""
    if not ids:
        return {}
    cfg = configuration_sql("r.language")
    sql = (
        f"SELECT r.id, ts_headline({cfg}, r.title, q, %s),"  # noqa: S608 - fixed SQL
        f" ts_headline({cfg}, concat_ws(' ', r.summary, r.body), q, %s)"
        f" FROM sharing_report AS r, LATERAL (SELECT {query_sql('r.language')} AS q) AS query"
        " WHERE r.id = ANY(%s)"
    )
    params: list[Any] = [
        _HEADLINE_OPTIONS["title"],
        _HEADLINE_OPTIONS["snippet"],
        *([text] * READINGS),
        ids,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk: (_marked(title), _marked(snippet)) for pk, title, snippet in cursor.fetchall()}


def _marked(text: str) -> SafeString:
    """The headline with every character escaped and its matches in <mark>."""
    html = _MARKED.sub(r"<mark>\1</mark>", escape(text))
    return mark_safe(html.replace(_START, "").replace(_STOP, ""))  # noqa: S308 - escaped above


def search(
    principal: Any,
    text: str,
    filters: Filters,
    *,
    sort: str = Sort.RELEVANCE,
    offset: int = 0,
    size: int = 20,
) -> Results:
    """A page of the published reports `principal` may see that match `text` and `filters`."""
    return search_in(
        Report.objects.visible_to(principal), text, filters, sort=sort, offset=offset, size=size
    )


def search_in(
    reports: ReportQuerySet,
    text: str,
    filters: Filters,
    *,
    sort: str = Sort.RELEVANCE,
    offset: int = 0,
    size: int = 20,
    facets: bool = True,
) -> Results:
    """`search` over `reports`: callers pass a visible set (bench/search.py also passes all
    reports, the baseline a permission filter is compared with, and leaves facets out)."""
    reports = filters.apply(reports.published())
    indicator_ids = indicator_report_ids(text, reports)
    if text.strip():
        reports = reports.filter(text_condition(text, indicator_ids))
    if facets:
        total, counts = _facet_counts(reports)
    else:
        total, counts = offset + size, {}  # a page without counts: read it, count nothing
    if total == 0 or offset >= total:
        return Results(total=total, hits=[], facets=counts)
    page = reports.select_related("category", "originator_agency__country")
    if sort == Sort.RELEVANCE and text.strip():
        boost = "CASE WHEN sharing_report.id = ANY(%s) THEN 1.0 ELSE 0.0 END"
        rank = RawSQL(  # noqa: S611 - fixed SQL, the text is a parameter
            f"{boost} + coalesce(ts_rank_cd(sharing_report.search_vector,"
            f" {query_sql(_LANGUAGE)}, 32), 0)",
            [list(indicator_ids), *([text] * READINGS)],
            output_field=FloatField(),
        )
        page = page.annotate(rank=rank).order_by("-rank", "-published_at", "-id")
    else:
        page = page.order_by("-published_at", "-id")
    found = list(page[offset : offset + size])
    lines = _headlines(text, [r.pk for r in found]) if text.strip() else {}
    hits = []
    for report in found:
        title, snippet = lines.get(report.pk, (escape(report.title), escape(report.summary)))
        hits.append(Hit(report, title, snippet, by_indicator=report.pk in indicator_ids))
    return Results(total=total, hits=hits, facets=counts)
