"""Visibility benchmark: seeds a separate database at scale and times visible_to and suspension."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from tqdm import tqdm

if TYPE_CHECKING:
    from agencies.models import Agency, Country, PartnerSystem, User

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "performance.md"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/"
MARKER = "bix-bench "  # prefix of the database comment; only such databases are ever dropped
DOCS_START = "<!-- bench/visibility.py: start -->"
DOCS_END = "<!-- bench/visibility.py: end -->"

# The world. Country 0 is a hub party to a bilateral agreement with every other country;
# countries 1..45 form five regions of nine with one regional agreement each; 46..49 joined
# recently and only have their hub agreement. Country 1 originates a third of all reports and
# shares them with country 10 under one bilateral agreement (the ~300k-report suspension).
N_COUNTRIES = 50
REGION_SIZE = 9
REGIONS = 5
HUB = 0
BIG_ORIGIN = 1
BIG_ORIGIN_SHARE = 0.33
BIG_PARTNER = 10
TYPICAL = 20
PARTNER_SYSTEM = 30
RARE = 47
HUB_CATEGORIES = 6  # the hub agreements cover the first six of nine categories
BIG_REFERENCE = "BENCH/BIG"
AGENCY_KINDS = ("border_guard", "customs", "police")
CHUNK = 100_000  # report ids per seeding statement
REPORT_SPAN = dt.timedelta(days=3 * 365)
AGREEMENTS_FROM = dt.timedelta(days=4 * 365)
PAGE = 100
TARGET_PAGE_MS = 10.0
TARGET_RATIO = 1.5
TARGET_SUSPEND_S = 3.0
BUDGET_S = 10.0  # wall time per measured query; slower ones get fewer runs
MIN_RUNS = 10

# Cumulative TLP shares: 1% CLEAR, 49% GREEN, 40% AMBER, 6% AMBER+STRICT, 4% RED.
REPORTS_SQL = """
INSERT INTO sharing_report (
    id, uuid, title, summary, body, category_id, tlp, handling_code, source_reliability,
    information_credibility, priority, place, border_sector, originator_agency_id,
    originator_country_id, author_id, state, version, created_at, modified_at, published_at,
    retraction_reason, language)
SELECT s.g, gen_random_uuid(), 'Bench report ' || s.g, '', '',
       (%(categories)s::bigint[])[1 + floor(s.c * cardinality(%(categories)s::bigint[]))::int],
       CASE WHEN s.t < 0.01 THEN 0 WHEN s.t < 0.50 THEN 1 WHEN s.t < 0.90 THEN 2
            WHEN s.t < 0.96 THEN 3 ELSE 4 END,
       'H0', chr(65 + floor(random() * 6)::int), 1 + floor(random() * 6)::int,
       floor(random() * 4)::int, '', '',
       b.agency_ids[1 + floor(s.a * cardinality(b.agency_ids))::int], b.country_id,
       b.author_ids[1 + floor(s.a * cardinality(b.agency_ids))::int],
       'published', 1, s.published_at - interval '2 hours', s.published_at, s.published_at, '',
       CASE WHEN s.l < 0.5 THEN 'en' WHEN s.l < 0.8 THEN 'es' ELSE 'fr' END
FROM (
    SELECT g, random() AS u, random() AS a, random() AS c, random() AS t, random() AS l,
           %(start)s::timestamptz
             + make_interval(secs => (g - 1) * %(step)s + random() * 600) AS published_at
    FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
) AS s
CROSS JOIN LATERAL (
    SELECT floor((s.u - %(big_share)s) / (1 - %(big_share)s) * (%(countries)s - 1))::int AS k
) AS o
JOIN bench_country b ON b.idx = CASE WHEN s.u < %(big_share)s THEN %(big_origin)s
                                     ELSE o.k + (o.k >= %(big_origin)s)::int END
"""

# Every live grant of a report: the rules of sharing.access (originator agency, its
# country for GREEN/AMBER, every agency for CLEAR, and the agreement rule applied to all
# agreements in force at once, to the parties' agreement groups), written to both tables;
# grants carry the report's published_at. A copy of the rules for loading speed:
# `check_sample` holds it to `compute_audience` after every seeding.
GRANTS_SQL = """
WITH r AS (
    SELECT id, tlp, category_id, originator_agency_id, originator_country_id, published_at
    FROM sharing_report WHERE id BETWEEN %(lo)s AND %(hi)s
),
src AS (
    SELECT r.id AS report_id, a.group_id, NULL::bigint AS country_id,
           r.originator_agency_id AS agency_id, 'originator' AS basis,
           NULL::bigint AS agreement_id, r.published_at
    FROM r JOIN agencies_agency a ON a.id = r.originator_agency_id
    UNION ALL
    SELECT r.id, c.group_id, c.id, NULL, 'originator_country', NULL, r.published_at
    FROM r JOIN agencies_country c ON c.id = r.originator_country_id
    WHERE r.tlp BETWEEN 1 AND 2
    UNION ALL
    SELECT r.id, %(every_group)s, NULL, NULL, 'tlp_clear', NULL, r.published_at
    FROM r WHERE r.tlp = 0
    UNION ALL
    SELECT r.id, pp.group_id, pp.country_id, NULL, 'agreement', ag.id, r.published_at
    FROM r
    JOIN sharing_agreementparty po ON po.country_id = r.originator_country_id
    JOIN sharing_agreement ag
      ON ag.id = po.agreement_id AND ag.state = 'active' AND ag.enforced
    JOIN sharing_agreement_categories ac
      ON ac.agreement_id = ag.id AND ac.category_id = r.category_id
    JOIN sharing_agreementparty pp
      ON pp.agreement_id = ag.id AND pp.country_id <> r.originator_country_id
    WHERE r.tlp BETWEEN 1 AND least(ag.max_tlp, 2) AND r.published_at >= ag.shares_from
),
d AS (
    INSERT INTO sharing_dissemination (
        report_id, group_id, recipient_country_id, recipient_agency_id, basis, agreement_id,
        granted_at, published_at, revoke_reason)
    SELECT report_id, group_id, country_id, agency_id, basis, agreement_id, published_at,
           CASE WHEN basis = 'agreement' THEN published_at END, ''
    FROM src ORDER BY report_id, group_id  -- a report's rows side by side, as when published
    RETURNING report_id, group_id, granted_at
)
INSERT INTO sharing_reportgroupobjectpermission
    (permission_id, group_id, content_object_id, published_at)
SELECT %(permission)s, group_id, report_id, granted_at FROM d ORDER BY report_id, group_id
"""

SCHEMA_SQL = """
SELECT 'index', tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL
SELECT 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid)
FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL
SELECT 'trigger', tgrelid::regclass::text, tgname, pg_get_triggerdef(oid)
FROM pg_trigger WHERE NOT tgisinternal
ORDER BY 1, 2, 3
"""

# Secondary indexes and unique constraints (primary keys stay: other tables reference them).
SECONDARY_SQL = """
SELECT 'constraint', c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c WHERE c.conrelid = %(table)s::text::regclass AND c.contype = 'u'
UNION ALL
SELECT 'index', i.indexname, i.indexdef
FROM pg_indexes i
WHERE i.schemaname = 'public' AND i.tablename = %(table)s::text
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                  WHERE c.conindid = format('%%I.%%I', i.schemaname, i.indexname)::regclass
                    AND c.contype IN ('p', 'u', 'x'))
"""

BULK_TABLES = ("sharing_report", "sharing_dissemination", "sharing_reportgroupobjectpermission")


# --------------------------------------------------------------------------------------------
# The database


def database_urls(name: str) -> tuple[str, str]:
    """(maintenance database URL, bench database URL) on the server of DATABASE_URL."""
    parts = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_SERVER)
    admin = urlunsplit(parts._replace(path="/postgres"))
    return admin, urlunsplit(parts._replace(path=f"/{name}"))


def read_marker(admin_url: str, name: str) -> dict[str, Any] | None:
    """The bench marker of database `name`; {} when it exists unmarked, None when it is missing."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    if row is None:
        return None
    comment = row[0] or ""
    if not comment.startswith(MARKER):
        return {}
    marker: dict[str, Any] = json.loads(comment[len(MARKER) :])
    return marker


def write_marker(url: str, name: str, marker: dict[str, Any]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(MARKER + json.dumps(marker))
            )
        )


def recreate_database(admin_url: str, name: str) -> None:
    marker = read_marker(admin_url, name)
    if marker == {}:
        sys.exit(f"Database {name!r} exists and was not created by this bench; not touching it.")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if marker is not None:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(MARKER + json.dumps({"complete": False}))
            )
        )


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def bulk_connection(url: str) -> psycopg.Connection[Any]:
    """A session tuned for loading; measurements use Django's connection with server defaults."""
    conn = psycopg.connect(url, autocommit=True)
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SET work_mem = '256MB'")
    conn.execute("SET max_parallel_maintenance_workers = 2")
    conn.execute("SET jit = off")
    return conn


def schema_snapshot(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return conn.execute(SCHEMA_SQL).fetchall()


@contextlib.contextmanager
def secondary_indexes_dropped(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """Load without secondary indexes, then rebuild them exactly as the migrations made them."""
    before = schema_snapshot(conn)
    rebuild: list[tuple[str, str, str, str]] = []
    for table in BULK_TABLES:
        for kind, name, definition in conn.execute(SECONDARY_SQL, {"table": table}).fetchall():
            rebuild.append((table, kind, name, definition))
    for table, kind, name, _ in rebuild:
        if kind == "constraint":
            conn.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    sql.Identifier(table), sql.Identifier(name)
                )
            )
        else:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    yield
    started = time.perf_counter()
    for table, kind, name, definition in tqdm(rebuild, desc="indexes", unit="index"):
        if kind == "constraint":
            conn.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
                )
            )
        else:
            conn.execute(sql.SQL(definition))
    after = schema_snapshot(conn)
    if after != before:
        missing = sorted(set(before) - set(after))
        extra = sorted(set(after) - set(before))
        raise RuntimeError(f"schema differs after the load: missing {missing}, extra {extra}")
    print(
        f"  {len(rebuild)} indexes rebuilt in {time.perf_counter() - started:.1f} s;"
        " schema equals the migrated one"
    )


# --------------------------------------------------------------------------------------------
# Seeding


def country_code(idx: int) -> str:
    return f"{chr(65 + idx // 26)}{chr(65 + idx % 26)}"


@dataclass
class World:
    countries: list[Country]
    agencies: dict[int, list[Agency]]
    authors: dict[int, list[User]]
    admin: User


def seed_world() -> World:
    """Countries, agencies, members and agreements, written through the services."""
    from agencies.models import AgencyKind, Role, User
    from agencies.services import (
        create_agency,
        create_country,
        create_partner_system,
        set_membership,
    )
    from sharing import services
    from sharing.models import Category, Tlp

    admin = User.objects.create_user(username="bench.admin", is_staff=True, is_superuser=True)
    countries = [
        create_country(actor=admin, code=country_code(i), name=f"Benchland {country_code(i)}")
        for i in range(N_COUNTRIES)
    ]
    agencies: dict[int, list[Agency]] = {}
    authors: dict[int, list[User]] = {}
    for idx, country in enumerate(tqdm(countries, desc="countries", unit="country")):
        agencies[idx], authors[idx] = [], []
        for kind in AGENCY_KINDS[: 3 if idx % 2 == 0 else 2]:
            code = f"{country.code.lower()}-{kind.replace('_', '-')}"
            agency = create_agency(
                actor=admin,
                code=code,
                name=f"{country.name} {AgencyKind(kind).label}",
                kind=kind,
                country=country,
            )
            # No password: hashing one per user would dominate this phase.
            author = User.objects.create_user(username=f"author.{code}")
            set_membership(author, agency, Role.ANALYST, actor=admin)
            agencies[idx].append(agency)
            authors[idx].append(author)
    for username, idx in PRINCIPAL_USERS.values():
        user = User.objects.create_user(username=username)
        set_membership(user, agencies[idx][0], Role.ANALYST, actor=admin)
    create_partner_system(actor=admin, agency=agencies[PARTNER_SYSTEM][0], name=PARTNER_SYSTEM_NAME)

    categories = list(Category.objects.order_by("id"))
    valid_from = dt.datetime.now(dt.UTC).date() - AGREEMENTS_FROM
    plans: list[tuple[str, list[Country], list[Category]]] = []
    for region in range(REGIONS):
        members = [countries[1 + region * REGION_SIZE + k] for k in range(REGION_SIZE)]
        plans.append((f"BENCH/REGION/{region}", members, categories))
    for idx in range(1, N_COUNTRIES):
        plans.append(
            (
                f"BENCH/HUB/{countries[idx].code}",
                [countries[HUB], countries[idx]],
                categories[:HUB_CATEGORIES],
            )
        )
    plans.append((BIG_REFERENCE, [countries[BIG_ORIGIN], countries[BIG_PARTNER]], categories))
    for reference, parties, covered in tqdm(plans, desc="agreements", unit="agreement"):
        agreement = services.create_agreement(
            actor=admin,
            title=f"{reference} cooperation",
            reference=reference,
            parties=parties,
            categories=covered,
            max_tlp=Tlp.AMBER,
            valid_from=valid_from,
        )
        # Activated before any report exists: grants are then loaded in bulk by the same rule.
        services.activate_agreement(agreement, actor=admin, share_existing=True)
    return World(countries=countries, agencies=agencies, authors=authors, admin=admin)


def seed_bulk(url: str, world: World, reports: int) -> dict[str, float]:
    """Reports, Dissemination rows and guardian grants, set-based in SQL; returns phase times."""
    from django.contrib.auth.models import Group

    from sharing.access import view_permission
    from sharing.constants import EVERY_AGENCY_GROUP
    from sharing.models import Category

    timings: dict[str, float] = {}
    categories = list(Category.objects.order_by("id").values_list("id", flat=True))
    every_group = Group.objects.get(name=EVERY_AGENCY_GROUP).pk
    permission = view_permission().pk
    now = dt.datetime.now(dt.UTC)
    start = now - REPORT_SPAN
    step = (REPORT_SPAN.total_seconds() - 3600) / reports
    chunks = [(lo, min(lo + CHUNK - 1, reports)) for lo in range(1, reports + 1, CHUNK)]
    with bulk_connection(url) as conn:
        conn.execute(
            "CREATE TEMP TABLE bench_country (idx int PRIMARY KEY, country_id bigint,"
            " agency_ids bigint[], author_ids bigint[])"
        )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO bench_country VALUES (%s, %s, %s, %s)",
                [
                    (
                        idx,
                        country.pk,
                        [a.pk for a in world.agencies[idx]],
                        [u.pk for u in world.authors[idx]],
                    )
                    for idx, country in enumerate(world.countries)
                ],
            )
        conn.execute("ANALYZE bench_country")
        # Every id written below comes from a join with its parent table, so foreign-key
        # triggers (one queued check per row) are skipped for the load.
        conn.execute("SET session_replication_role = replica")
        conn.execute("SELECT setseed(0.42)")
        with secondary_indexes_dropped(conn):
            started = time.perf_counter()
            for lo, hi in tqdm(chunks, desc="reports", unit="chunk"):
                conn.execute(
                    REPORTS_SQL,
                    {
                        "lo": lo,
                        "hi": hi,
                        "categories": categories,
                        "start": start,
                        "step": step,
                        "big_share": BIG_ORIGIN_SHARE,
                        "big_origin": BIG_ORIGIN,
                        "countries": N_COUNTRIES,
                    },
                )
            timings["reports"] = time.perf_counter() - started
            # The grant joins are planned from these statistics.
            conn.execute("ANALYZE sharing_report")
            started = time.perf_counter()
            for lo, hi in tqdm(chunks, desc="grants", unit="chunk"):
                conn.execute(
                    GRANTS_SQL,
                    {"lo": lo, "hi": hi, "every_group": every_group, "permission": permission},
                )
            timings["grants"] = time.perf_counter() - started
            started = time.perf_counter()
        timings["indexes"] = time.perf_counter() - started
        conn.execute("SET session_replication_role = DEFAULT")
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('sharing_report', 'id'),"
            " (SELECT max(id) FROM sharing_report))"
        )
        started = time.perf_counter()
        # autovacuum may be off: set the visibility map (index-only scans) and statistics now.
        for table in BULK_TABLES:
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
        conn.execute("ANALYZE")
        timings["vacuum"] = time.perf_counter() - started
    return timings


SAMPLE = 200  # seeded reports checked against the rules after seeding


def check_sample(size: int = SAMPLE) -> str:
    """Hold GRANTS_SQL (a copy of the rules, for speed) to `sharing.access.compute_audience`.

    For `size` reports drawn at random: their live Dissemination rows must be exactly the
    audience the rules compute from ReportFacts and AgreementTerms, and their grants exactly
    the groups of those rows. Exits on the first mismatches, so the copy cannot drift silently.
    """
    import random

    from django.db.models import Max
    from django.utils import timezone

    from sharing.access import AgreementTerms, Recipient, ReportFacts, compute_audience
    from sharing.access.grants import agreements_of
    from sharing.models import Dissemination, Report, ReportGroupObjectPermission

    today = timezone.localdate()
    top = Report.objects.aggregate(top=Max("id"))["top"] or 0
    ids = sorted(random.Random(SAMPLE).sample(range(1, top + 1), min(size, top)))
    terms: dict[int, list[AgreementTerms]] = {}
    mismatches: list[str] = []
    reports = Report.objects.filter(id__in=ids).prefetch_related("rel_to", "recipients")
    for report in reports:
        country = report.originator_country_id
        if country not in terms:
            terms[country] = agreements_of(country, lock=False)
        expected = compute_audience(ReportFacts.of(report), terms[country], today)
        live = Dissemination.objects.filter(report=report, revoked_at__isnull=True)
        actual = {
            Recipient(
                basis=row.basis,
                country_id=row.recipient_country_id,
                agency_id=row.recipient_agency_id,
                agreement_id=row.agreement_id,
                access_request_id=row.access_request_id,
                forwarded_by_id=row.forwarded_by_id,
            )
            for row in live
        }
        groups = set(
            ReportGroupObjectPermission.objects.filter(content_object=report).values_list(
                "group_id", flat=True
            )
        )
        if actual != expected or groups != {row.group_id for row in live}:
            mismatches.append(
                f"report {report.pk}: missing {sorted(expected - actual)},"
                f" extra {sorted(actual - expected)}, grants {sorted(groups)}"
            )
    if mismatches:
        sys.exit(
            f"The seeded grants differ from sharing.access.compute_audience for"
            f" {len(mismatches)} of {len(ids)} sampled reports (GRANTS_SQL has drifted from the"
            " rules):\n  " + "\n  ".join(mismatches[:10])
        )
    return f"{len(ids)} sampled reports match `compute_audience` exactly"


# --------------------------------------------------------------------------------------------
# Measuring

PRINCIPAL_USERS = {
    "typical analyst": ("bench.typical", TYPICAL),
    "hub analyst": ("bench.hub", HUB),
    "big-partner analyst": ("bench.partner", BIG_PARTNER),
    "rare analyst": ("bench.rare", RARE),
}
PARTNER_SYSTEM_NAME = "Bench case system"


@dataclass
class Row:
    measurement: str
    principal: str
    samples: list[float]  # seconds
    unit: str = "ms"
    visible: int | None = None
    target: float | None = None  # in `unit`
    ratio: float | None = None
    ratio_target: float | None = None

    def quantile(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * (1000 if self.unit == "ms" else 1)

    @property
    def p50(self) -> float:
        return self.quantile(0.50)

    @property
    def p95(self) -> float:
        return self.quantile(0.95)

    @property
    def result(self) -> str:
        if self.target is None and self.ratio_target is None:
            return ""
        ok = self.target is None or self.p95 <= self.target
        ok = ok and (self.ratio_target is None or (self.ratio or 0) <= self.ratio_target)
        return "PASS" if ok else "MISS"

    def cells(self) -> list[str]:
        digits = 1 if self.unit == "ms" else 2
        targets = []
        if self.target is not None:
            targets.append(f"p95 ≤ {self.target:g} {self.unit}")
        if self.ratio_target is not None:
            targets.append(f"≤ {self.ratio_target:g}× unfiltered")
        return [
            self.measurement,
            self.principal,
            "" if self.visible is None else f"{self.visible:,}",
            str(len(self.samples)),
            f"{self.p50:.{digits}f} {self.unit}",
            f"{self.p95:.{digits}f} {self.unit}",
            "" if self.ratio is None else f"{self.ratio:.1f}×",
            ", ".join(targets),
            self.result,
        ]


HEADER = [
    "measurement",
    "principal",
    "visible",
    "runs",
    "p50",
    "p95",
    "p95 ÷ unfiltered",
    "target",
    "result",
]


def markdown_table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def timed(fn: Callable[[], object], runs: int, warmup: int) -> list[float]:
    """Wall times of `runs` calls after `warmup`; slow queries get fewer runs (see BUDGET_S)."""
    for _ in range(warmup):
        fn()
    samples: list[float] = []
    while len(samples) < runs:
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
        if len(samples) == 1:
            runs = min(runs, max(MIN_RUNS, int(BUDGET_S / samples[0])))
    return samples


def timed_together(
    fns: dict[str, Callable[[], object]], runs: int, warmup: int
) -> dict[str, list[float]]:
    """Wall times of each call, taken in rounds (one call of each per round).

    The machine's speed drifts over seconds (shared cores); rounds expose every query to the
    same drift, so ratios between them compare like with like.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - started)
    return samples


@dataclass
class Principals:
    users: dict[str, User]
    partner: PartnerSystem
    admin: User
    every: dict[str, User | PartnerSystem] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # visible reports, once measured
    unfiltered: Row | None = None  # the unfiltered first page, once measured


def load_principals() -> Principals:
    from agencies.models import PartnerSystem, User
    from agencies.services import create_api_key
    from sharing.access.principals import resolve

    users = {
        label: User.objects.select_related("membership").get(username=username)
        for label, (username, _) in PRINCIPAL_USERS.items()
    }
    partner = PartnerSystem.objects.get(name=PARTNER_SYSTEM_NAME)
    if not partner.api_keys.filter(revoked=False, expiry_date=None).exists():
        # A partner system resolves only while it holds a usable key (worlds seeded before
        # that rule have none).
        create_api_key(partner, name="bench", actor=None)
    every: dict[str, User | PartnerSystem] = {**users, "partner system (API)": partner}
    for subject in every.values():
        resolve(subject)  # memoised on the object, as once per request
    return Principals(
        users=users,
        partner=partner,
        admin=User.objects.get(username="bench.admin"),
        every=every,
    )


def measure_reads(principals: Principals, runs: int, count_runs: int) -> list[Row]:
    """First pages (the list's path and the generic semi-join), counts, guardian's baseline."""
    from django.db.models import QuerySet
    from guardian.shortcuts import get_objects_for_user

    from sharing.models import Report

    order = ("-published_at", "-id")
    counts: dict[str, int] = {}
    for name, subject in tqdm(principals.every.items(), desc="principals", unit="principal"):
        counts[name] = principals.counts[name] = Report.objects.visible_to(subject).count()
    pages: dict[str, Callable[[], object]] = {
        "": lambda: list(Report.objects.order_by(*order)[:PAGE]),
    }
    for name, subject in principals.every.items():
        pages[name] = lambda s=subject: list(Report.objects.newest_visible(s, PAGE))  # type: ignore[misc]
        pages[f"semi-join {name}"] = (
            lambda s=subject: list(  # type: ignore[misc]
                Report.objects.visible_to(s).published().order_by(*order)[:PAGE]
            )
        )
    samples = timed_together(pages, runs, 5)
    unfiltered = Row("first page, Report.objects.all()", "(no filter)", samples[""])
    principals.unfiltered = unfiltered
    rows = [unfiltered]
    for name in principals.every:
        row = Row(
            "first page, newest_visible (report list)",
            name,
            samples[name],
            visible=counts[name],
            target=TARGET_PAGE_MS,
            ratio_target=TARGET_RATIO,
        )
        row.ratio = row.p95 / unfiltered.p95
        rows.append(row)
    for name in principals.every:
        rows.append(
            Row(
                "first page, visible_to() semi-join (filtered lists)",
                name,
                samples[f"semi-join {name}"],
                visible=counts[name],
            )
        )
    for name, subject in principals.every.items():
        rows.append(
            Row(
                "visible_to().count()",
                name,
                timed(lambda s=subject: Report.objects.visible_to(s).count(), count_runs, 2),  # type: ignore[misc]
                visible=counts[name],
            )
        )
    for name, user in principals.users.items():

        def guardian_page(u: User = user) -> list[Report]:
            qs: QuerySet[Report] = get_objects_for_user(
                u, "sharing.view_report", Report.objects.all(), accept_global_perms=False
            )
            return list(qs.order_by(*order)[:PAGE])

        rows.append(
            Row(
                "first page, guardian get_objects_for_user",
                name,
                timed(guardian_page, runs, 2),
                visible=counts[name],
            )
        )
    return rows


def sees_big(principals: Principals, label: str = "big-partner analyst") -> bool:
    """Whether the principal's next request sees a report of the big originator country."""
    from sharing.access.principals import forget
    from sharing.models import Report

    user = principals.users[label]
    forget(user)  # a new request resolves its groups afresh
    big = Report.objects.visible_to(user).filter(
        originator_country__code=country_code(BIG_ORIGIN), tlp__gte=1, tlp__lte=2
    )
    return big.exists()


PENDING_RUNS = 20  # first pages timed while BENCH/BIG is pending (reactivated, not settled)


def measure_suspension(principals: Principals, runs: int, url: str) -> tuple[list[Row], str]:
    """Suspend, settle, reactivate, settle BENCH/BIG and activate a new agreement of the same
    scope with earlier reports, then settle it: each service call (access changes when it
    commits) and each settlement (the background task) timed, inside a transaction rolled back.
    """
    from django.db import transaction

    from agencies.models import Country
    from sharing.access.principals import forget, resolve
    from sharing.models import Agreement, Category, Dissemination, Report, Tlp
    from sharing.services import (
        activate_agreement,
        create_agreement,
        reactivate_agreement,
        settle_agreement,
        suspend_agreement,
    )

    agreement = Agreement.objects.get(reference=BIG_REFERENCE)
    live = Dissemination.objects.filter(agreement=agreement, revoked_at__isnull=True).count()
    times: dict[str, list[float]] = {
        key: []
        for key in (
            "suspend",
            "settle",
            "reactivate",
            "record",
            "activate",
            "record_new",
            "page",
            "semi",
        )
    }
    partner = principals.users["big-partner analyst"]
    order = ("-published_at", "-id")
    detail = ""

    def timed_call(key: str, call: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = call()
        times[key].append(time.perf_counter() - started)
        return result

    for run in range(runs):
        with transaction.atomic():
            assert sees_big(principals), "the big partner should see BIG reports"
            timed_call(
                "suspend",
                lambda: suspend_agreement(agreement, actor=principals.admin, reason="bench"),
            )
            cut = not sees_big(principals)
            settled = timed_call("settle", lambda: settle_agreement(agreement.pk))
            assert settled is not None
            timed_call(
                "reactivate",
                lambda: reactivate_agreement(agreement, actor=principals.admin, reason="bench"),
            )
            back = sees_big(principals)
            # The report list while the agreement is pending: the rule itself answers for it.
            forget(partner)
            assert resolve(partner).pending_agreement_ids == (agreement.pk,)
            for _ in range(PENDING_RUNS):
                timed_call("page", lambda: list(Report.objects.newest_visible(partner, PAGE)))
                timed_call(
                    "semi",
                    lambda: list(
                        Report.objects.visible_to(partner).published().order_by(*order)[:PAGE]
                    ),
                )
            recorded = timed_call("record", lambda: settle_agreement(agreement.pk))
            assert recorded is not None
            after = Dissemination.objects.filter(agreement=agreement, revoked_at__isnull=True)
            if after.count() != live or not sees_big(principals):
                print(f"  warning: {after.count():,} live rows after reactivation, {live:,} before")
            # A new agreement of the same scope with another country, earlier reports shared.
            origin, rare = (
                Country.objects.get(code=country_code(BIG_ORIGIN)),
                Country.objects.get(code=country_code(RARE)),
            )
            new = create_agreement(
                actor=principals.admin,
                title="Bench activation",
                reference="BENCH/NEW",
                parties=[origin, rare],
                categories=Category.objects.all(),
                max_tlp=Tlp.AMBER,
                valid_from=agreement.valid_from,
            )
            rare_before = sees_big(principals, "rare analyst")
            timed_call(
                "activate",
                lambda new=new: activate_agreement(  # type: ignore[misc]
                    new, actor=principals.admin, share_existing=True
                ),
            )
            rare_pending = sees_big(principals, "rare analyst")
            activated = timed_call(
                "record_new",
                lambda new=new: settle_agreement(new.pk),  # type: ignore[misc]
            )
            assert activated is not None
            transaction.set_rollback(True)
        detail = (
            f"The partner's next request after `suspend_agreement` "
            f"{'no longer saw' if cut else 'STILL SAW'} the agreement's reports, and after"
            f" `reactivate_agreement` {'saw' if back else 'DID NOT SEE'} them again before the"
            f" settlement; settling the suspension revoked {settled.revoked:,} Dissemination"
            f" rows and deleted {settled.grants_removed:,} guardian rows, settling the"
            f" reactivation wrote {recorded.granted:,} / {recorded.grants_added:,}. Activating"
            f" `BENCH/NEW` (the big originator and the rare country, earlier reports shared):"
            f" the rare analyst {'already' if rare_before else 'did not'} see the big"
            f" originator's reports before, {'saw' if rare_pending else 'DID NOT SEE'} them"
            f" right after the activation, and its settlement wrote {activated.granted:,} /"
            f" {activated.grants_added:,}"
        )
        print(
            f"  run {run + 1}: suspend {times['suspend'][-1]:.3f} s,"
            f" settle {times['settle'][-1]:.2f} s, reactivate {times['reactivate'][-1]:.3f} s,"
            f" record {times['record'][-1]:.2f} s, activate {times['activate'][-1]:.3f} s,"
            f" record {times['record_new'][-1]:.2f} s; {detail}"
        )
        vacuum_after_rollback(url)
    new_rows = activated.granted
    rows = [
        Row(
            "first page while pending, newest_visible (report list)",
            "big-partner analyst",
            times["page"],
            visible=principals.counts.get("big-partner analyst"),
        ),
        Row(
            "first page while pending, visible_to() semi-join",
            "big-partner analyst",
            times["semi"],
            visible=principals.counts.get("big-partner analyst"),
        ),
        Row(
            "suspend_agreement: access ends (rolled back)",
            BIG_REFERENCE,
            times["suspend"],
            unit="s",
            visible=live,
            target=TARGET_SUSPEND_S,
        ),
        Row(
            "settle_agreement after suspension: background (rolled back)",
            BIG_REFERENCE,
            times["settle"],
            unit="s",
            visible=live,
        ),
        Row(
            "reactivate_agreement: access returns (rolled back)",
            BIG_REFERENCE,
            times["reactivate"],
            unit="s",
            visible=live,
            target=TARGET_SUSPEND_S,
        ),
        Row(
            "settle_agreement after reactivation: background (rolled back)",
            BIG_REFERENCE,
            times["record"],
            unit="s",
            visible=live,
        ),
        Row(
            "activate_agreement, earlier reports shared: access begins (rolled back)",
            "BENCH/NEW",
            times["activate"],
            unit="s",
            visible=new_rows,
            target=TARGET_SUSPEND_S,
        ),
        Row(
            "settle_agreement after activation: background (rolled back)",
            "BENCH/NEW",
            times["record_new"],
            unit="s",
            visible=new_rows,
        ),
    ]
    return rows, detail


def vacuum_after_rollback(url: str) -> None:
    """Clear the rolled-back row versions so the next run (and the next bench) starts clean."""
    with bulk_connection(url) as conn:
        for table in BULK_TABLES[1:]:
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))


def explain_first_pages(principals: Principals) -> str:
    from sharing.models import Report

    order = ("-published_at", "-id")
    parts = []
    unfiltered = Report.objects.order_by(*order)[:PAGE]
    parts.append(("(no filter)", unfiltered.explain(analyze=True, buffers=True)))
    for name, subject in principals.every.items():
        qs = Report.objects.newest_visible(subject, PAGE)
        parts.append((name, qs.explain(analyze=True, buffers=True)))
    return "\n\n".join(f"-- {name}\n{plan}" for name, plan in parts)


# --------------------------------------------------------------------------------------------
# Environment and output


def data_shape() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM sharing_report),"
            " (SELECT count(*) FROM sharing_reportgroupobjectpermission),"
            " (SELECT count(*) FROM sharing_dissemination WHERE revoked_at IS NULL),"
            " (SELECT count(*) FROM agencies_country), (SELECT count(*) FROM agencies_agency),"
            " (SELECT count(*) FROM sharing_agreement WHERE state = 'active'),"
            " pg_size_pretty(pg_total_relation_size('sharing_report')),"
            " pg_size_pretty(pg_total_relation_size('sharing_reportgroupobjectpermission')),"
            " pg_size_pretty(pg_total_relation_size('sharing_dissemination')),"
            " (SELECT count(*) FROM sharing_dissemination d JOIN sharing_agreement a"
            "  ON a.id = d.agreement_id WHERE a.reference = %s AND d.revoked_at IS NULL)",
            [BIG_REFERENCE],
        )
        row = cur.fetchone()
    keys = [
        "reports",
        "grants",
        "disseminations",
        "countries",
        "agencies",
        "agreements",
        "report_size",
        "grant_size",
        "dissemination_size",
        "big",
    ]
    return dict(zip(keys, row, strict=True))


def git_commit() -> str:
    """The checked-out commit, read from .git without running git."""
    git = ROOT / ".git"
    try:
        if git.is_file():  # a worktree: HEAD in its own git directory, refs in the common one
            git = (ROOT / git.read_text().strip().removeprefix("gitdir: ")).resolve()
            head = (git / "HEAD").read_text().strip()
            git = (git / (git / "commondir").read_text().strip()).resolve()
        else:
            head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:12]
        ref = head.removeprefix("ref: ")
        if (git / ref).exists():
            return (git / ref).read_text().strip()[:12]
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0][:12]
    except OSError:
        pass
    return "unknown"


def environment() -> dict[str, str]:
    import django
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        version = cur.fetchone()[0].split(" on ")[0]
        cur.execute(
            "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)"
            " FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'jit', 'autovacuum',"
            " 'random_page_cost', 'effective_cache_size', 'max_parallel_workers_per_gather')"
        )
        settings = cur.fetchone()[0]
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split("\n")[0].split()[1])
        memory = f"{total_kb / 1024 / 1024:.0f} GB RAM"
    return {
        "machine": f"{os.cpu_count()} cores, {memory}, {platform.machine()}",
        "postgres": version,
        "settings": settings,
        "python": platform.python_version(),
        "django": django.get_version(),
        "guardian": importlib.metadata.version("django-guardian"),
        "load": ", ".join(f"{load:.1f}" for load in os.getloadavg()),
        "commit": git_commit(),
    }


def render_docs(
    rows: list[Row],
    shape: dict[str, Any],
    env: dict[str, str],
    marker: dict[str, Any],
    suspension: str,
    phases: dict[str, float],
    args: argparse.Namespace,
    checked: str,
) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    seed = marker.get("seed_seconds", {})
    seed_text = ", ".join(f"{k} {v:.0f} s" for k, v in seed.items())
    phase_text = ", ".join(f"{k} {v / 60:.1f} min" for k, v in phases.items())
    reports = shape["reports"] or 1
    visible = {row.principal: row.visible for row in rows if row.measurement.endswith("count()")}
    fractions = ", ".join(
        f"{name} {count:,} ({count / reports:.1%})" for name, count in visible.items() if count
    )
    command = " ".join(["bench/visibility.py", *sys.argv[1:]])
    return f"""{DOCS_START}
## Visibility benchmark ({when})

Produced by `DEBUG=1 .venv/bin/python {command}` at commit `{env["commit"]}` (plus any
uncommitted changes in the tree) in {phase_text}; this section is rewritten on every run.

**Machine:** {env["machine"]}; load average (1, 5, 15 min) {env["load_start"]} at the start
and {env["load"]} at the end of the run (concurrent test runs share the two cores, so
single numbers are noisy);
{env["postgres"]} with server defaults ({env["settings"]}); Python {env["python"]},
Django {env["django"]}, django-guardian {env["guardian"]}.

**Data:** {shape["reports"]:,} published reports ({shape["report_size"]}),
{shape["grants"]:,} guardian group grants ({shape["grant_size"]}) and as many live
Dissemination rows backing them ({shape["disseminations"]:,}, {shape["dissemination_size"]}),
{shape["countries"]} countries with {shape["agencies"]} agencies (one auth group each),
{shape["agreements"]} active agreements: five regional agreements of nine countries (all
categories), a hub country with a bilateral agreement with every other country (six of nine
categories), four recent countries with only their hub agreement, and `{BIG_REFERENCE}`: one
country originates a third of all reports and shares them with one partner country
({shape["big"]:,} live rows). TLP: 1% CLEAR, 49% GREEN, 40% AMBER, 10% above AMBER. Grants
follow the rules of `sharing.access` (originator agency; originator country for GREEN
and AMBER; every agency for CLEAR; agreement partners), so reactivation re-grants exactly what
suspension revoked. Agreement shares are granted to each party's agreement group, so a
principal resolves to its agency, country and every-agency groups plus one group per agreement
of its country in force (the hub analyst: 52 groups); the report list walks the three own
groups and the country's live agreement rows.
Visible reports: {fractions}.

**Seeding:** {marker.get("total_seconds", 0):.0f} s ({seed_text}). Countries, agencies,
memberships, a partner system and the agreements go through the services; reports,
Dissemination rows and grants are written with `INSERT … SELECT generate_series` in chunks of
{CHUNK:,} report ids, with secondary indexes dropped and rebuilt from their migrated
definitions (the schema is compared before and after), then `VACUUM (ANALYZE)`. The bulk
load is a copy of the rules in SQL: {checked}.

**Method:** wall time around `list(Report.objects.newest_visible(p, 100))`, the report list's
first page (and the generic `visible_to(p).published().order_by("-published_at", "-id")[:100]`
that filtered lists use), through the ORM (SQL, fetch and model instantiation), principals
resolved once beforehand as a request does. First pages are timed in {args.runs} rounds
after five warm-up rounds, each round running every first-page query once, so that the
machine's drift (shared cores) reaches all of them alike; counts ({args.count_runs} runs) and
guardian's baseline are timed one query after another, slow ones fewer times (at least
{MIN_RUNS}; column `runs`). p50/p95 by nearest rank. The guardian baseline is
`get_objects_for_user(user, "sharing.view_report", Report.objects.all(),
accept_global_perms=False)` with the same ordering and slice; it has no partner-system form.
The changes of force run inside one transaction that is rolled back, then the two grant tables
are `VACUUM`ed; {args.suspend_runs} run(s): `suspend_agreement` (the service call: access ends
when it commits), the big partner's next request, `settle_agreement` (the background task
queued on commit, here called in the same transaction), `reactivate_agreement` (access
returns), the big partner's next request and {PENDING_RUNS} rounds of its first pages while the
agreement is pending (the rule answers for it), `settle_agreement` again (rows and grants
written), then `activate_agreement` of a new agreement between the big originator and the rare
country covering every category, earlier reports shared, and its settlement. {suspension}.

{markdown_table(rows)}
{DOCS_END}"""


def write_docs(section: str) -> None:
    text = DOCS.read_text() if DOCS.exists() else "# Performance\n\n"
    if DOCS_START in text and DOCS_END in text:
        head, rest = text.split(DOCS_START, 1)
        tail = rest.split(DOCS_END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.parent.mkdir(exist_ok=True)
    DOCS.write_text(text)


# --------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--database", default="bix_bench")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per query")
    parser.add_argument("--count-runs", type=int, default=10)
    parser.add_argument("--suspend-runs", type=int, default=1)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS)")
    parser.add_argument("--no-reads", action="store_true", help="skip the read measurements")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/performance.md")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not args.database.startswith("bix_bench"):
        sys.exit("The bench database name must start with 'bix_bench'.")
    admin_url, url = database_urls(args.database)
    marker = read_marker(admin_url, args.database)
    reuse = bool(
        args.reuse and marker and marker.get("complete") and marker.get("reports") == args.reports
    )
    if not reuse:
        recreate_database(admin_url, args.database)
    print(f"database {args.database}: {'reused' if reuse else 'created'}")
    load_at_start = ", ".join(f"{load:.1f}" for load in os.getloadavg())
    started = time.perf_counter()
    phases: dict[str, float] = {}
    setup_django(url)
    if not reuse:
        world = seed_world()
        timings = {"world": time.perf_counter() - started}
        timings |= seed_bulk(url, world, args.reports)
        marker = {
            "complete": True,
            "reports": args.reports,
            "seed_seconds": timings,
            "total_seconds": time.perf_counter() - started,
            "seeded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        write_marker(url, args.database, marker)
        print(
            f"seeded in {marker['total_seconds']:.0f} s: "
            + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
        )
    assert marker is not None
    phases["setup" if reuse else "seeding"] = time.perf_counter() - started

    started = time.perf_counter()
    checked = check_sample()
    print(f"{checked} ({time.perf_counter() - started:.1f} s)")

    from django.db import connection

    connection.close()  # measure on a fresh connection with server defaults
    principals = load_principals()
    rows: list[Row] = []
    if not args.no_reads:
        started = time.perf_counter()
        rows += measure_reads(principals, args.runs, args.count_runs)
        print(markdown_table(rows))
        if args.explain:
            print(explain_first_pages(principals))
        phases["reads"] = time.perf_counter() - started
    suspension = "Suspension not measured"
    if args.suspend_runs:
        started = time.perf_counter()
        suspension_rows, suspension = measure_suspension(principals, args.suspend_runs, url)
        rows += suspension_rows
        phases["suspension"] = time.perf_counter() - started
    print()
    print(markdown_table(rows))
    print(", ".join(f"{k} {v:.0f} s" for k, v in phases.items()))
    if not args.no_docs:
        shape, env = data_shape(), environment()
        env["load_start"] = load_at_start
        write_docs(render_docs(rows, shape, env, marker, suspension, phases, args, checked))
        print(f"written to {DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
