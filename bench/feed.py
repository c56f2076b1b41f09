"""Feed benchmark: a partner's full sync and empty polls of GET /api/v1/feed/ on the 1M seed.

Runs on a database seeded by bench/visibility.py (default `bix_bench`; use a copy of your own,
e.g. `--database bix_bench_mine`). Two partner systems are added to it if missing: one of the
hub country's agency (about 60% of all reports visible) and one of the rare country's (about
3%). For each:

- full sync: every page of the feed from no cursor to caught up, through Django's whole request
  path in this process (authentication, rate limit, the change log, the rows, JSON, the audit
  event and commit of each page), reports per second;
- raw bound: the same reports, in pages of the same size, read with psycopg alone (the report
  columns, indicators, REL TO, recipients) and encoded with orjson: what reading and encoding
  cost with no need-to-know, no change log, no audit;
- empty poll: the latest cursor polled again and again, p50 / p95 latency.

Results are printed and written between markers into docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.visibility import (  # noqa: E402 - after the path is set
    DOCS,
    HUB,
    RARE,
    database_urls,
    environment,
    git_commit,
    setup_django,
)

DOCS_START = "<!-- bench/feed.py: start -->"
DOCS_END = "<!-- bench/feed.py: end -->"
TARGET_RATE = 20_000  # reports per second, per process
TARGET_SHARE = 0.5  # of the raw bound
TARGET_POLL_MS = 10.0  # p95 of an empty poll
PARTNERS = {"hub partner (60%)": HUB, "rare partner (3%)": RARE}

RAW_REPORTS = """
SELECT r.id, r.uuid, r.title, r.summary, r.body, c.code, r.tlp, r.handling_code,
       r.source_reliability, r.information_credibility, r.priority, r.occurred_at,
       r.latitude, r.longitude, r.place, r.border_sector, r.language, a.code, o.code, r.state,
       r.version, r.created_at, r.modified_at, r.published_at, r.retracted_at,
       r.retraction_reason
FROM sharing_report r
JOIN sharing_category c ON c.id = r.category_id
JOIN agencies_agency a ON a.id = r.originator_agency_id
JOIN agencies_country o ON o.id = r.originator_country_id
WHERE r.id = ANY(%s)
"""
RAW_PARTS = (
    "SELECT report_id, type, value FROM sharing_indicator WHERE report_id = ANY(%s)",
    "SELECT x.report_id, c.code FROM sharing_report_rel_to x"
    " JOIN agencies_country c ON c.id = x.country_id WHERE x.report_id = ANY(%s)",
    "SELECT x.report_id, a.code FROM sharing_report_recipients x"
    " JOIN agencies_agency a ON a.id = x.agency_id WHERE x.report_id = ANY(%s)",
)
RAW_NAMES = (
    "id",
    "uuid",
    "title",
    "summary",
    "body",
    "category",
    "tlp",
    "handling_code",
    "source_reliability",
    "information_credibility",
    "priority",
    "occurred_at",
    "latitude",
    "longitude",
    "place",
    "border_sector",
    "language",
    "agency",
    "country",
    "state",
    "version",
    "created_at",
    "modified_at",
    "published_at",
    "retracted_at",
    "retraction_reason",
)


@dataclass
class Result:
    partner: str
    visible: int
    pages: int
    sync_s: float
    raw_s: float
    polls_ms: list[float]

    @property
    def rate(self) -> float:
        return self.visible / self.sync_s

    @property
    def raw_rate(self) -> float:
        return self.visible / self.raw_s

    @property
    def share(self) -> float:
        return self.rate / self.raw_rate

    def p(self, q: float) -> float:
        ordered = sorted(self.polls_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def partner_key(country_index: int) -> str:
    """A fresh read key of a partner system of the country's first agency (created if missing)."""
    from agencies.models import Agency, PartnerSystem
    from agencies.services import create_api_key, create_partner_system
    from bench.visibility import country_code

    agency = Agency.objects.filter(country__code=country_code(country_index)).order_by("id")[0]
    name = f"Bench feed reader {agency.code}"
    partner = PartnerSystem.objects.filter(name=name).first() or create_partner_system(
        actor=None, agency=agency, name=name
    )
    _, raw = create_api_key(partner, name="bench feed", actor=None)
    return raw


def full_sync(client: Any, page_size: int) -> tuple[int, int, float, str]:
    """(reports, pages, seconds, last cursor) of one sync from the start."""
    url: str | None = f"/api/v1/feed/?page_size={page_size}"
    reports = pages = 0
    cursor = ""
    started = time.perf_counter()
    while url:
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"feed answered {response.status_code}: {response.content[:300]!r}")
        body = orjson.loads(response.content)
        reports += len(body["results"])
        pages += 1
        cursor = body["cursor"]
        url = body["next"]
    elapsed = time.perf_counter() - started
    return reports, pages, elapsed, cursor


def visible_ids(raw_key: str) -> list[int]:
    from agencies.models import PartnerAPIKey
    from sharing.models import Report

    key = PartnerAPIKey.objects.get(prefix=raw_key.partition(".")[0])
    return list(
        Report.objects.visible_to(key).published().order_by("id").values_list("id", flat=True)
    )


def raw_bound(url: str, ids: list[int], page_size: int) -> float:
    """Seconds to read and encode the same reports with psycopg and orjson alone."""
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        for start in range(0, len(ids), page_size):
            chunk = ids[start : start + page_size]
            rows = conn.execute(RAW_REPORTS, [chunk]).fetchall()
            parts: list[dict[int, list[Any]]] = []
            for statement in RAW_PARTS:
                grouped: dict[int, list[Any]] = {}
                for report_id, *rest in conn.execute(statement, [chunk]).fetchall():
                    grouped.setdefault(report_id, []).append(rest)
                parts.append(grouped)
            page = [
                {
                    **dict(zip(RAW_NAMES, row, strict=True)),
                    "indicators": parts[0].get(row[0], []),
                    "rel_to": parts[1].get(row[0], []),
                    "recipients": parts[2].get(row[0], []),
                }
                for row in rows
            ]
            orjson.dumps({"results": page}, default=float)
        return time.perf_counter() - started


def empty_polls(client: Any, cursor: str, runs: int) -> list[float]:
    samples = []
    for n in range(runs + 5):
        started = time.perf_counter()
        response = client.get(f"/api/v1/feed/?cursor={cursor}")
        elapsed = (time.perf_counter() - started) * 1000
        body = orjson.loads(response.content)
        if response.status_code != 200 or body["results"]:
            sys.exit(f"an empty poll answered {response.status_code} with {len(body['results'])}")
        cursor = body["cursor"]
        if n >= 5:  # warm-up
            samples.append(elapsed)
    return samples


def table(results: list[Result], page_size: int) -> str:
    lines = [
        "| partner | visible | pages | full sync | raw bound | share of bound"
        " | empty poll p50 / p95 | targets | result |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ok = r.rate >= TARGET_RATE and r.share >= TARGET_SHARE and r.p(0.95) <= TARGET_POLL_MS
        lines.append(
            f"| {r.partner} | {r.visible:,} | {r.pages} × {page_size} | {r.rate:,.0f} reports/s"
            f" ({r.sync_s:.1f} s) | {r.raw_rate:,.0f} reports/s | {r.share:.0%} |"
            f" {statistics.median(r.polls_ms):.1f} / {r.p(0.95):.1f} ms ({len(r.polls_ms)} runs) |"
            f" ≥ {TARGET_RATE:,}/s, ≥ {TARGET_SHARE:.0%}, p95 ≤ {TARGET_POLL_MS:g} ms |"
            f" {'PASS' if ok else 'MISS'} |"
        )
    return "\n".join(lines)


def write_docs(section: str) -> None:
    text = DOCS.read_text()
    if DOCS_START in text and DOCS_END in text:
        head, rest = text.split(DOCS_START, 1)
        text = head + section + rest.split(DOCS_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="bix_bench")
    parser.add_argument("--page-size", type=int, default=5000)
    parser.add_argument("--polls", type=int, default=200, help="empty polls per partner")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument(
        "--partners", default=",".join(PARTNERS), help="comma-separated labels to measure"
    )
    args = parser.parse_args()
    if not args.database.startswith("bix_bench"):
        sys.exit("The bench database name must start with 'bix_bench'.")
    _, url = database_urls(args.database)
    os.environ.setdefault("API_THROTTLE_RATE", "100000/min")  # measure the feed, not the limit
    setup_django(url)
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from sharing.models import Report

    if not Report.objects.exists():  # a copy made with CREATE DATABASE … TEMPLATE has no marker
        sys.exit(f"{args.database} holds no reports: seed it with bench/visibility.py first.")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    results = []
    for label, country in PARTNERS.items():
        if label not in args.partners.split(","):
            continue
        raw_key = partner_key(country)
        client = Client(headers={"Authorization": f"Api-Key {raw_key}"})
        reports, pages, seconds, cursor = full_sync(client, args.page_size)
        ids = visible_ids(raw_key)
        if reports != len(ids):
            sys.exit(f"{label}: the sync returned {reports:,} reports, visible_to {len(ids):,}")
        raw = raw_bound(url, ids, args.page_size)
        polls = empty_polls(client, cursor, args.polls)
        results.append(Result(label, reports, pages, seconds, raw, polls))
        print(table(results[-1:], args.page_size).splitlines()[-1], flush=True)
    rendered = table(results, args.page_size)
    print(rendered)
    if args.no_docs:
        return
    env = environment()
    section = f"""{DOCS_START}
### Feed (`bench/feed.py`)

`DEBUG=1 .venv/bin/python bench/feed.py --database {args.database}` on the 1M seed of
bench/visibility.py, commit {git_commit()}, {env.get("machine", "")} load average {load} at
the start. A full sync is every page of `GET /api/v1/feed/?page_size={args.page_size}` from no
cursor until `next` is null, through Django's test client in this one process (the whole
request: key, rate limit, change log, rows, JSON, audit event and commit of each page); the
raw bound reads and encodes the same reports in pages of the same size with psycopg and
orjson alone; an empty poll is the caught-up cursor polled again.

{rendered}
{DOCS_END}"""
    write_docs(section)


if __name__ == "__main__":
    main()
