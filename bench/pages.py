"""Pages benchmark: server time of the analyst pages at 1M reports, for a 3% and a 60% principal."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent))

import visibility as seed  # noqa: E402 - the seed, its database and its helpers

if TYPE_CHECKING:
    from django.test import Client

    from agencies.models import User

DOCS_START = "<!-- bench/pages.py: start -->"
DOCS_END = "<!-- bench/pages.py: end -->"
TARGET_MS = 100.0
TARGET_RATIO = 2.0  # a filtered list against the unfiltered one
PRINCIPALS = {"rare analyst": "3%", "hub analyst": "60%"}


@dataclass
class Page:
    name: str
    path: str
    query: dict[str, str]
    cold_cache: bool = False  # the dashboard with its per-principal counts not cached
    filtered: bool = False  # compared with the unfiltered report list


def pages_for(user: User) -> list[Page]:
    """The pages of one principal, with filter values chosen from what it may and may not see."""
    from agencies.models import Country
    from sharing.models import Category, Report

    country = user.membership.agency.country
    categories = list(Category.objects.order_by("id"))
    # The hub's agreements cover the first six categories: the last is one it sees little of.
    covered, uncovered = categories[0], categories[-1]
    newest = Report.objects.newest_visible(user, 1).first()
    own = (
        Report.objects.filter(originator_agency=user.membership.agency)
        .order_by("-published_at")
        .first()
    )
    assert newest is not None
    assert own is not None
    partner = Country.objects.get(code=seed.country_code(seed.BIG_ORIGIN))
    # A country of another region: no agreement with the rare analyst's country.
    stranger = Country.objects.get(code=seed.country_code(20))
    month_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=30)).date().isoformat()
    lists: list[tuple[str, dict[str, str]]] = [
        (f"category {covered.code}", {"category": covered.code}),
        (f"category {uncovered.code}", {"category": uncovered.code}),
        ("marking TLP:AMBER", {"tlp": "2"}),
        ("marking TLP:RED", {"tlp": "4"}),
        (f"country {partner.code} (agreement)", {"country": partner.code}),
        (f"country {stranger.code}", {"country": stranger.code}),
        (f"country {country.code} (own)", {"country": country.code}),
        ("priority flash", {"priority": "3"}),
        ("language fr", {"language": "fr"}),
        ("last 30 days", {"since": month_ago}),
        ("category, language, 30 days",
         {"category": covered.code, "language": "es", "since": month_ago}),
    ]  # fmt: skip
    return [
        Page("dashboard, cold cache", "/", {}, cold_cache=True),
        Page("dashboard, warm cache", "/", {}),
        Page("report list", "/reports/", {}),
        *(Page(f"report list, {name}", "/reports/", q, filtered=True) for name, q in lists),
        Page("report page", f"/reports/{newest.uuid}/", {}),
        Page("editor, new report", "/reports/new/", {}),
        Page("editor, own report", f"/reports/{own.uuid}/edit/", {}),
    ]


def timed_page(client: Client, page: Page, runs: int) -> list[float]:
    from django.core.cache import cache

    def get() -> None:
        if page.cold_cache:
            cache.clear()
        response = client.get(page.path, page.query)
        if response.status_code != 200:
            raise SystemExit(f"{page.path} {page.query}: {response.status_code}")

    samples: list[float] = seed.timed(get, runs, warmup=3)
    return samples


def measure(runs: int) -> list[seed.Row]:
    from django.test import Client

    from agencies.models import User

    rows: list[seed.Row] = []
    for label, share in PRINCIPALS.items():
        username = seed.PRINCIPAL_USERS[label][0]
        user = User.objects.select_related("membership__agency__country").get(username=username)
        client = Client()
        client.force_login(user)
        unfiltered: seed.Row | None = None
        for page in pages_for(user):
            samples = timed_page(client, page, runs)
            row = seed.Row(page.name, f"{label} ({share})", samples, target=TARGET_MS)
            if page.name == "report list":
                unfiltered = row
            if page.filtered and unfiltered is not None:
                row.ratio = row.p95 / unfiltered.p95
                row.ratio_target = TARGET_RATIO
            rows.append(row)
            print(" | ".join(row.cells()), flush=True)
    return rows


def render(rows: list[seed.Row], args: argparse.Namespace, env: dict[str, str]) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join(["bench/pages.py", *sys.argv[1:]])
    return f"""{DOCS_START}
## Pages benchmark ({when})

Produced by `DEBUG=1 .venv/bin/python {command}` at commit `{env["commit"]}` (plus any
uncommitted changes in the tree) on the 1M-report seed of `bench/visibility.py`; this section is
rewritten on every run. **Machine:** {env["machine"]}; load average {env["load"]} at the end
(other work shares the two cores); {env["postgres"]} ({env["settings"]}).

**Method:** Django's test client, signed in as the bench's rare analyst (sees 3.1% of all
reports) and hub analyst (60.8%), times `client.get(page)` in-process: routing, middleware,
session, principal resolution, every query, the audit event each page writes, template
rendering; no network and no static files. {args.runs} runs per page after 3 warm-up runs,
p50/p95 by nearest rank. "Cold cache": the cache is cleared before each run, so the dashboard
counts its 90 days again; "warm": the per-principal counts come from the cache. Filtered lists
are compared with the unfiltered list of the same principal (p95 ÷ p95). The bench reports
have no location, so the dashboard's map is an empty result at this scale; the report page is
the principal's newest visible report; the editor pages are the new-report form and the edit
form of the newest report of the principal's agency.

{seed.markdown_table(rows)}
{DOCS_END}"""


def write_docs(section: str) -> None:
    text = seed.DOCS.read_text()
    if DOCS_START in text and DOCS_END in text:
        head, rest = text.split(DOCS_START, 1)
        text = head + section + rest.split(DOCS_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    seed.DOCS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database", default="bix_bench", help="a database seeded by visibility.py"
    )
    parser.add_argument("--runs", type=int, default=30, help="timed runs per page")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/performance.md")
    args = parser.parse_args()
    if not args.database.startswith("bix_bench"):
        sys.exit("The bench database name must start with 'bix_bench'.")
    admin_url, url = seed.database_urls(args.database)
    marker = seed.read_marker(admin_url, args.database)
    if not (marker and marker.get("complete")):
        sys.exit(f"{args.database} holds no complete seed: run bench/visibility.py first.")
    os.environ.setdefault("DEBUG", "1")
    os.environ["ALLOWED_HOSTS"] = "testserver"  # Django's test client
    seed.setup_django(url)  # applies new migrations, as visibility.py --reuse does
    started = time.perf_counter()
    rows = measure(args.runs)
    print(seed.markdown_table(rows))
    print(f"{time.perf_counter() - started:.0f} s")
    if not args.no_docs:
        write_docs(render(rows, args, seed.environment()))
        print(f"written to {seed.DOCS.relative_to(seed.ROOT)}")


if __name__ == "__main__":
    main()
