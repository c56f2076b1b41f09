"""Audit benchmark: what auditing costs a report page and a REST feed page, and how fast the
sealer and verify_audit go over a million events.

Builds its own database (default `bix_bench_audit`: migrated, then the demo world of
`seed_demo`), measures, and writes a table into docs/performance.md between markers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "performance.md"
DOCS_START = "<!-- bench/audit.py: start -->"
DOCS_END = "<!-- bench/audit.py: end -->"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/"
MARKER = "bix-bench audit"  # comment of the databases this script created (only those it drops)
TARGET_RATIO = 1.05
TARGET_SEAL = 20_000
TARGET_VERIFY = 100_000
INSERT_CHUNK = 100_000

# Synthetic events as the portal writes them: mostly single-report consultations, every
# twentieth a feed page of 100 report ids.
EVENTS_SQL = """
INSERT INTO sharing_auditevent (
    occurred_at, actor_label, action, object_type, object_ids, recipients, justification,
    channel, ip, request_id, outcome, details, prev_hash, hash, actor_user_id, agency_id,
    country_id)
SELECT now() - make_interval(secs => (%(total)s - g) / 1000.0),
       'bench.analyst',
       CASE WHEN g %% 20 = 0 THEN 'feed.pulled' ELSE 'report.viewed' END,
       'sharing.report',
       CASE WHEN g %% 20 = 0
            THEN (SELECT jsonb_agg(gen_random_uuid()::text) FROM generate_series(1, 100))
            ELSE jsonb_build_array(gen_random_uuid()::text) END,
       '[]', '', CASE WHEN g %% 20 = 0 THEN 'api' ELSE 'web' END, '203.0.113.7',
       md5(g::text), 'success', jsonb_build_object('count', g %% 100), '', '', 1, 1, 1
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
"""


def database_url(name: str) -> str:
    server = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def create_database(name: str) -> None:
    if not name.startswith("bix_bench_audit"):
        sys.exit("--database must start with bix_bench_audit")
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
        if row is not None:
            if row[0] != MARKER:
                sys.exit(f"{name} exists and was not created by this script; not dropping it")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{MARKER}'")


def setup_django(name: str) -> None:
    os.environ["DATABASE_URL"] = database_url(name)
    os.environ.setdefault("DEBUG", "true")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["API_THROTTLE_RATE"] = "1000000/min"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def page_costs(runs: int) -> list[tuple[str, float, float]]:
    """p50 ms of each page with auditing and with audit.record() made a no-op, interleaved."""
    from django.test import Client

    from agencies.models import PartnerAPIKey, PartnerSystem, User
    from sharing import audit
    from sharing.models import Report, Tlp

    analyst = User.objects.filter(username__endswith=".analyst").order_by("username").first()
    if analyst is None or analyst.agency is None:
        sys.exit("seed_demo made no analyst")
    report = Report.objects.visible_to(analyst).filter(tlp=Tlp.GREEN).first()
    assert report is not None, "the analyst sees no GREEN report"
    partner = PartnerSystem.objects.order_by("id").first()
    if partner is None:
        sys.exit("seed_demo made no partner system")
    _, raw = PartnerAPIKey.objects.create_key(partner=partner, name="bench", scope="read")
    web = Client()
    web.force_login(analyst)
    api = Client(headers={"Authorization": f"Api-Key {raw}"})
    pages: dict[str, Callable[[], Any]] = {
        "report page (HTML)": lambda: web.get(f"/reports/{report.uuid}/"),
        "feed page (REST, 100 reports)": lambda: api.get("/api/v1/reports/?page_size=100"),
    }
    real = audit.record

    def silent(*args: Any, **kwargs: Any) -> None:
        return None

    results = []
    for label, call in pages.items():
        assert call().status_code == 200, label
        with_audit, without = [], []
        for _ in range(5):  # warm-up
            call()
        for _ in range(runs):
            with_audit.append(timed(call))
            audit.record = silent  # type: ignore[assignment]
            try:
                without.append(timed(call))
            finally:
                audit.record = real
        results.append((label, statistics.median(with_audit), statistics.median(without)))
    return results


def insert_events(total: int) -> float:
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        for lo in range(1, total + 1, INSERT_CHUNK):
            hi = min(total, lo + INSERT_CHUNK - 1)
            cursor.execute(EVENTS_SQL, {"total": total, "lo": lo, "hi": hi})
        cursor.execute("VACUUM ANALYZE sharing_auditevent")
    return time.perf_counter() - start


def chain_speed() -> tuple[int, float, int, float]:
    from django.db import connection

    from sharing.audit import chain

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sharing_auditevent WHERE seq IS NULL")
        (pending,) = cursor.fetchone()
    start = time.perf_counter()
    sealed = chain.seal()
    seal_s = time.perf_counter() - start
    assert sealed == pending, (sealed, pending)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE sharing_auditevent")
    start = time.perf_counter()
    result = chain.verify(full=True, record_checkpoint=False)
    verify_s = time.perf_counter() - start
    assert result.broken is None, str(result.broken)
    return sealed, seal_s, result.checked, verify_s


def write_docs(section: str) -> None:
    text = DOCS.read_text()
    block = f"{DOCS_START}\n{section}\n{DOCS_END}"
    if DOCS_START in text:
        before, rest = text.split(DOCS_START, 1)
        _, after = rest.split(DOCS_END, 1)
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n## Audit\n\n" + block + "\n"
    DOCS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="bix_bench_audit")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200, help="timed requests per page and mode")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()

    create_database(args.database)
    setup_django(args.database)
    from django.core.management import call_command

    print("migrating and seeding the demo world …", flush=True)
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    from sharing.audit import chain

    chain.seal()
    pages = page_costs(args.runs)
    print(f"inserting {args.events:,} events …", flush=True)
    insert_s = insert_events(args.events)
    sealed, seal_s, checked, verify_s = chain_speed()

    lines = [
        f"Auditing cost per request: median of {args.runs} requests each, interleaved, through "
        "Django's test client on one connection (no network); *without* replaces "
        "`audit.record()` by a no-op. Chain: synthetic events (19 of 20 single-report "
        "views, 1 of 20 a feed page of 100 report ids), sealed then verified in full.",
        "",
        "| measure | with auditing | without | ratio | target |",
        "|---|---|---|---|---|",
    ]
    for label, with_ms, without_ms in pages:
        ratio = with_ms / without_ms
        mark = "met" if ratio <= TARGET_RATIO else "missed"
        lines.append(
            f"| {label} | {with_ms:.1f} ms | {without_ms:.1f} ms | {ratio:.3f} | "
            f"≤ {TARGET_RATIO:.2f} ({mark}) |"
        )
    seal_rate = sealed / seal_s
    verify_rate = checked / verify_s
    lines += [
        "",
        "| chain | events | seconds | events/s | target |",
        "|---|---|---|---|---|",
        f"| insert (SQL, for the bench) | {args.events:,} | {insert_s:.1f} | "
        f"{args.events / insert_s:,.0f} | |",
        f"| seal (`chain.seal()`) | {sealed:,} | {seal_s:.1f} | {seal_rate:,.0f} | "
        f"≥ {TARGET_SEAL:,} ({'met' if seal_rate >= TARGET_SEAL else 'missed'}) |",
        f"| verify (`verify_audit --full`) | {checked:,} | {verify_s:.1f} | {verify_rate:,.0f} | "
        f"≥ {TARGET_VERIFY:,} ({'met' if verify_rate >= TARGET_VERIFY else 'missed'}) |",
    ]
    section = "\n".join(lines)
    print(section)
    if not args.no_docs:
        write_docs(section)


if __name__ == "__main__":
    main()
