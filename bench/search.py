"""Search and hit/no-hit benchmark on bench/visibility.py's seed, enriched with text and indicators.

The visibility seed's reports carry a number for a title and no indicators. `--enrich` gives
each report realistic text in its language (English, Spanish or French: goods, places,
vehicles, a few sentences of body) and five indicators (plate, phone, name, travel document,
e-mail) drawn from pools so that values recur across reports, then writes the search
documents as the services do and rebuilds the GIN index. Then it times, for a principal who
sees 3% of the reports and one who sees 60%, a common word, a rare word and a phrase, with
and without facets, against the same search with no permission filter; and hit/no-hit
lookups of 1 and of 100 values.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.visibility import (  # noqa: E402 - the path above first
    DOCS,
    ROOT,
    Row,
    bulk_connection,
    database_urls,
    environment,
    markdown_table,
    setup_django,
    timed_together,
)

DOCS_START = "<!-- bench/search.py: start -->"
DOCS_END = "<!-- bench/search.py: end -->"
PRINCIPALS = {"3% analyst": "bench.rare", "60% analyst": "bench.hub"}
QUERIES = {
    "common word": "cocaine",
    "rare word": "Soplín",
    "phrase": '"border crossing"',
}
TARGET_SEARCH_MS = 50.0
TARGET_RATIO = 2.0
TARGET_LOOKUP_MS = 100.0
CHUNK = 100_000
ENRICHED = "bench_search_enriched"

# Text in three languages. Goods, vehicles and sentences are picked per report from the
# report's id, so every run writes the same corpus.
GOODS = {
    "en": [
        "cocaine",
        "cannabis resin",
        "firearms",
        "ammunition",
        "cigarettes",
        "fuel",
        "timber",
        "gold",
        "counterfeit documents",
        "methamphetamine",
        "ivory",
        "cash",
        "precursor chemicals",
        "pangolin scales",
    ],
    "es": [
        "cocaína",
        "marihuana",
        "armas de fuego",
        "munición",
        "cigarrillos",
        "combustible",
        "madera",
        "oro",
        "documentos falsos",
        "metanfetamina",
        "marfil",
        "dinero en efectivo",
        "precursores químicos",
        "escamas de pangolín",
    ],
    "fr": [
        "cocaïne",
        "résine de cannabis",
        "armes à feu",
        "munitions",
        "cigarettes",
        "carburant",
        "bois",
        "or",
        "faux documents",
        "méthamphétamine",
        "ivoire",
        "espèces",
        "précurseurs chimiques",
        "écailles de pangolin",
    ],
}
VEHICLES = {
    "en": [
        "a refrigerated truck",
        "a fishing boat",
        "a long-distance bus",
        "a private car",
        "a shipping container",
        "a light aircraft",
        "a river launch",
    ],
    "es": [
        "un camión frigorífico",
        "un barco pesquero",
        "un autobús de larga distancia",
        "un coche particular",
        "un contenedor",
        "una avioneta",
        "una lancha fluvial",
    ],
    "fr": [
        "un camion frigorifique",
        "un bateau de pêche",
        "un autocar",
        "une voiture",
        "un conteneur maritime",
        "un avion léger",
        "une vedette fluviale",
    ],
}
PLACES = [
    "Rumichaca",
    "Tumbes",
    "Ipiales",
    "Desaguadero",
    "Tabatinga",
    "Leticia",
    "Namanga",
    "Holili",
    "Ciudad Juárez",
    "Tijuana",
    "Le Perthus",
    "Irun",
    "Ventimiglia",
    "Brenner",
    "Aguas Verdes",
    "Huaquillas",
    "Cúcuta",
    "Puerto Asís",
    "Iquitos",
    "Taveta",
    "Lunga Lunga",
    "Isebania",
    "Sirari",
    "Blaine",
    "Lacolle",
    "Algeciras",
    "Tarifa",
    "Hendaye",
    "Modane",
    "Kehl",
]
RARE_PLACE = "Soplín Vargas"  # in about one report in a thousand
TITLES = {
    "en": [
        "{good} seized at {place}",
        "{good} hidden in {vehicle} near {place}",
        "Suspected {good} smuggling route via {place}",
        "Network moving {good} through {place}",
    ],
    "es": [
        "Incautación de {good} en {place}",
        "{good} oculto en {vehicle} cerca de {place}",
        "Posible ruta de contrabando de {good} por {place}",
        "Red que traslada {good} a través de {place}",
    ],
    "fr": [
        "Saisie de {good} à {place}",
        "{good} dissimulé dans {vehicle} près de {place}",
        "Itinéraire présumé de contrebande de {good} via {place}",
        "Réseau acheminant {good} par {place}",
    ],
}
SUMMARIES = {
    "en": "Officers stopped {vehicle} at {place} carrying {good}; the crew gave false names.",
    "es": "Los agentes detuvieron {vehicle} en {place} con {good}; la tripulación dio nombres"
    " falsos.",
    "fr": "Les agents ont arrêté {vehicle} à {place} transportant {good} ; l'équipage a donné"
    " de faux noms.",
}
SENTENCES = {
    "en": [
        "The load was declared as frozen fish.",
        "Payment was made in cash at a fuel station.",
        "The driver used the border crossing twice in one week.",
        "Phones seized show contacts in three countries.",
        "A second vehicle scouted the road ahead.",
        "The route avoids the main checkpoints.",
        "Informants describe a warehouse near the river.",
        "Documents were issued by a front company.",
        "Customs found the cargo during a routine scan.",
        "Similar concealments were reported last year.",
    ],
    "es": [
        "La carga se declaró como pescado congelado.",
        "El pago se hizo en efectivo en una gasolinera.",
        "El conductor usó el paso fronterizo dos veces en una semana.",
        "Los teléfonos incautados muestran contactos en tres países.",
        "Un segundo vehículo vigilaba la carretera.",
        "La ruta evita los principales puestos de control.",
        "Los informantes describen un almacén cerca del río.",
        "Los documentos los emitió una empresa fachada.",
        "La aduana halló la carga en una inspección rutinaria.",
        "Se informaron ocultamientos similares el año pasado.",
    ],
    "fr": [
        "La cargaison était déclarée comme du poisson surgelé.",
        "Le paiement a été fait en espèces dans une station-service.",
        "Le chauffeur a franchi le poste frontière deux fois en une semaine.",
        "Les téléphones saisis montrent des contacts dans trois pays.",
        "Un second véhicule éclairait la route.",
        "L'itinéraire évite les principaux points de contrôle.",
        "Des informateurs décrivent un entrepôt près du fleuve.",
        "Les documents ont été émis par une société écran.",
        "La douane a trouvé la cargaison lors d'un contrôle de routine.",
        "Des dissimulations semblables ont été signalées l'an dernier.",
    ],
}
FIRST = [
    "Carlos",
    "María",
    "José",
    "Ana",
    "Luis",
    "Rosa",
    "Jean",
    "Marie",
    "Pierre",
    "John",
    "Grace",
    "Peter",
    "Amina",
    "Juma",
    "Fatuma",
    "Pedro",
    "Lucía",
    "Diego",
    "Sofía",
    "Omar",
]
LAST = [
    "García",
    "Rodríguez",
    "Martínez",
    "Flores",
    "Quispe",
    "Mamani",
    "Dupont",
    "Martin",
    "Otieno",
    "Mwangi",
    "Smith",
    "Torres",
    "Ramírez",
    "Vargas",
    "Castro",
    "Rojas",
    "Moreno",
    "Ortiz",
    "Silva",
    "Chávez",
    "Kamau",
    "Wanjiru",
    "Bernard",
    "Petit",
    "Lopez",
]


def _pick(options: list[str], report_id: int, salt: int) -> str:
    return options[(report_id * 7919 + salt * 104729) % len(options)]


def report_text(report_id: int, language: str) -> tuple[str, str, str, str]:
    """(title, summary, body, border sector) of one report, in its language."""
    lang = language if language in GOODS else "en"
    good = _pick(GOODS[lang], report_id, 1)
    vehicle = _pick(VEHICLES[lang], report_id, 2)
    place = RARE_PLACE if report_id % 997 == 0 else _pick(PLACES, report_id, 3)
    title = _pick(TITLES[lang], report_id, 4).format(good=good, vehicle=vehicle, place=place)
    summary = SUMMARIES[lang].format(good=good, vehicle=vehicle, place=place)
    count = 3 + report_id % 3
    body = " ".join(_pick(SENTENCES[lang], report_id, 10 + i) for i in range(count))
    return title[0].upper() + title[1:], summary, body, place


INDICATORS_SQL = """
INSERT INTO sharing_indicator (report_id, type, value, normalized, note, created_at)
SELECT r.id, v.type, v.value, v.normalized, '', r.published_at
FROM sharing_report AS r
CROSS JOIN LATERAL (
  SELECT floor(random() * %(pool)s)::int AS k1, floor(random() * %(pool)s)::int AS k2,
         floor(random() * %(pool)s)::int AS k3, floor(random() * %(pool)s)::int AS k4,
         floor(random() * %(pool)s)::int AS k5,
         floor(random() * %(first)s)::int AS f, floor(random() * %(last)s)::int AS l
  WHERE r.id = r.id
) AS k
CROSS JOIN LATERAL (VALUES
  ('vehicle_plate',
   chr(65 + k.k1 %% 26) || chr(65 + k.k1 / 26 %% 26) || chr(65 + k.k1 / 676 %% 26) || '-'
     || lpad((k.k1 / 17576)::text, 3, '0'),
   chr(65 + k.k1 %% 26) || chr(65 + k.k1 / 26 %% 26) || chr(65 + k.k1 / 676 %% 26)
     || lpad((k.k1 / 17576)::text, 3, '0')),
  ('phone', '+57 3' || lpad(k.k2::text, 9, '0'), '+573' || lpad(k.k2::text, 9, '0')),
  ('person_name', (%(firsts)s::text[])[1 + k.f] || ' ' || (%(lasts)s::text[])[1 + k.l],
   upper(unaccent_names((%(firsts)s::text[])[1 + k.f] || ' ' || (%(lasts)s::text[])[1 + k.l]))),
  ('travel_document', 'P' || lpad(k.k4::text, 8, '0'), 'P' || lpad(k.k4::text, 8, '0')),
  ('email', 'c' || k.k5 || '@correo.co', 'c' || k.k5 || '@correo.co')
) AS v(type, value, normalized)
WHERE r.id BETWEEN %(lo)s AND %(hi)s
"""
# The name folding sharing.indicators does (accents off), for the few accented letters used.
UNACCENT_SQL = """
CREATE OR REPLACE FUNCTION pg_temp.unaccent_names(text) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT translate($1, 'áéíóúÁÉÍÓÚñÑ', 'aeiouAEIOUnN') $$
"""


def enrich(url: str) -> None:
    """Text and indicators on every report, documents rewritten, GIN index rebuilt (once)."""
    from sharing.search.document import DOCUMENT_SQL

    conn = bulk_connection(url)
    done = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [ENRICHED]).fetchone()
    if done and done[0]:
        print("text and indicators: already enriched")
        return
    started = time.perf_counter()
    ((low, high),) = conn.execute("SELECT min(id), max(id) FROM sharing_report").fetchall()
    conn.execute("DROP INDEX IF EXISTS report_search")
    conn.execute(
        "CREATE TEMP TABLE texts (id bigint PRIMARY KEY, title text, summary text,"
        " body text, sector text)"
    )
    for lo in range(low, high + 1, CHUNK):
        hi = min(lo + CHUNK - 1, high)
        rows = conn.execute(
            "SELECT id, language FROM sharing_report WHERE id BETWEEN %s AND %s", [lo, hi]
        ).fetchall()
        with conn.cursor().copy("COPY texts FROM STDIN") as copy:
            for report_id, language in rows:
                copy.write_row((report_id, *report_text(report_id, language)))
        conn.execute(
            "UPDATE sharing_report AS r SET title = t.title, summary = t.summary, body = t.body,"
            " border_sector = t.sector FROM texts AS t WHERE t.id = r.id"
        )
        conn.execute("TRUNCATE texts")
        print(
            f"  text {hi - low + 1 if hi == high else hi - low + 1:,} / {high - low + 1:,}",
            end="\r",
        )
    print(f"text: {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    conn.execute("SET session_replication_role = replica")
    conn.execute(UNACCENT_SQL)
    pool = (high - low + 1) // 3  # each value on about three reports
    for lo in range(low, high + 1, CHUNK):
        conn.execute(
            INDICATORS_SQL.replace("unaccent_names(", "pg_temp.unaccent_names("),
            {
                "pool": pool,
                "first": len(FIRST),
                "last": len(LAST),
                "firsts": FIRST,
                "lasts": LAST,
                "lo": lo,
                "hi": min(lo + CHUNK - 1, high),
            },
        )
    conn.execute("SET session_replication_role = DEFAULT")
    print(f"indicators: {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    for lo in range(low, high + 1, CHUNK):
        conn.execute(
            f"UPDATE sharing_report AS r SET search_vector = {DOCUMENT_SQL}"  # noqa: S608
            " WHERE r.id BETWEEN %s AND %s",
            [lo, min(lo + CHUNK - 1, high)],
        )
    print(f"documents: {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    conn.execute("CREATE INDEX report_search ON sharing_report USING gin (search_vector)")
    conn.execute("VACUUM ANALYZE sharing_report")
    conn.execute("VACUUM ANALYZE sharing_indicator")
    conn.execute(f"CREATE TABLE {ENRICHED} (at timestamptz DEFAULT now())")
    print(f"index and vacuum: {time.perf_counter() - started:.0f} s")
    conn.close()


def measure(runs: int) -> tuple[list[Row], dict[str, int]]:
    from agencies.models import User
    from sharing.access import resolve
    from sharing.models import Indicator, Report
    from sharing.search.lookup import lookup
    from sharing.search.query import Filters, search_in

    rows: list[Row] = []
    visible: dict[str, int] = {}
    everything = Report.objects.all()
    for label, username in PRINCIPALS.items():
        user = User.objects.select_related("membership").get(username=username)
        resolve(user)
        visible[label] = Report.objects.visible_to(user).published().count()
        for query_label, text in QUERIES.items():
            mine = Report.objects.visible_to(user)
            calls: dict[str, Callable[[], object]] = {
                "facets": partial(search_in, mine, text, Filters()),
                "no facets": partial(search_in, mine, text, Filters(), facets=False),
                "unfiltered": partial(search_in, everything, text, Filters()),
                "unfiltered, no facets": partial(
                    search_in, everything, text, Filters(), facets=False
                ),
            }
            samples = timed_together(calls, runs, warmup=2)
            base = Row("", "", samples["unfiltered"])
            base_page = Row("", "", samples["unfiltered, no facets"])
            for kind in ("facets", "no facets"):
                row = Row(
                    f"search {query_label} ({text}), {'with' if kind == 'facets' else 'without'}"
                    " facets",
                    label,
                    samples[kind],
                    visible=visible[label],
                    target=TARGET_SEARCH_MS if kind == "facets" else None,
                    ratio_target=TARGET_RATIO,
                )
                reference = base if kind == "facets" else base_page
                row.ratio = row.p95 / reference.p95 if reference.p95 else None
                rows.append(row)
            rows.append(
                Row(
                    f"search {query_label} ({text}), no permission filter, with facets",
                    "(none)",
                    samples["unfiltered"],
                )
            )
        rng = random.Random(7)
        plates = list(
            Indicator.objects.filter(type="vehicle_plate")
            .order_by("?")
            .values_list("value", flat=True)[:60]
        )
        misses = [f"ZZ{rng.randrange(10**6):06d}" for _ in range(40)]
        hundred = [p.replace("-", " ") for p in plates] + misses
        lookups: dict[str, Callable[[], object]] = {
            "1 value": partial(lookup, user, hundred[:1]),
            "100 values": partial(lookup, user, hundred),
            "100 values, typed as plates": partial(lookup, user, hundred, "vehicle_plate"),
        }
        samples = timed_together(lookups, runs, warmup=2)
        for name, times in samples.items():
            rows.append(
                Row(
                    f"hit/no-hit, {name}",
                    label,
                    times,
                    visible=visible[label],
                    target=TARGET_LOOKUP_MS if name.startswith("100") else None,
                )
            )
    return rows, visible


def data_shape() -> dict[str, Any]:
    from django.db import connection

    from sharing.search.query import match_sql

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sharing_report")
        reports = cursor.fetchone()[0]
        cursor.execute("SELECT count(*), count(DISTINCT (type, normalized)) FROM sharing_indicator")
        indicators, distinct = cursor.fetchone()
        cursor.execute("SELECT pg_size_pretty(pg_relation_size('report_search'))")
        index = cursor.fetchone()[0]
        cursor.execute("SELECT language, count(*) FROM sharing_report GROUP BY 1 ORDER BY 2 DESC")
        languages = ", ".join(f"{code} {n / reports:.0%}" for code, n in cursor.fetchall())
        matches = {}
        for label, text in QUERIES.items():
            cursor.execute(
                "SELECT count(*) FROM sharing_report WHERE " + match_sql(text)[0],
                match_sql(text)[1],
            )
            matches[label] = cursor.fetchone()[0]
    return {
        "reports": reports,
        "indicators": indicators,
        "distinct": distinct,
        "index": index,
        "languages": languages,
        "matches": matches,
    }


def render(rows: list[Row], shape: dict[str, Any], env: dict[str, str]) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    matches = ", ".join(
        f"{label} `{QUERIES[label]}` {count:,} ({count / shape['reports']:.1%})"
        for label, count in shape["matches"].items()
    )
    missed = [f"{r.measurement} / {r.principal}" for r in rows if r.result == "MISS"]
    verdict = "Every target met." if not missed else "Targets missed: " + "; ".join(missed) + "."
    return f"""{DOCS_START}
## Search and hit/no-hit (`bench/search.py`)

Run {when} on {env["machine"]}, {env["postgres"]}, load {env["load"]}, commit
{env["commit"]}. Data: `bench/visibility.py`'s seed ({shape["reports"]:,} reports) enriched by
`bench/search.py --enrich`: text in the report's language ({shape["languages"]}),
{shape["indicators"]:,} indicators ({shape["distinct"]:,} distinct values; five per report),
GIN index `report_search` {shape["index"]}. Matches among all reports: {matches}.

**Method:** wall time around `sharing.search.query.search_in` (what the search page runs:
indicator match, facet counts in one `GROUPING SETS` query, the first page of 20 ranked by
`ts_rank_cd`, `ts_headline` on that page) over `Report.objects.visible_to(principal)`, and the
same over all reports with no permission filter; "without facets" reads the page only.
The calls are timed in rounds (each query once per round) so that the machine's drift
touches all alike; "p95 ÷ unfiltered" compares each with the same search and the same parts
without the permission filter. Hit/no-hit: `sharing.search.lookup.lookup` for 1 and for 100
values (60 plates that exist, typed with a space instead of the dash, and 40 that do not),
any type and typed as plates.

{markdown_table(rows)}

{verdict}
{DOCS_END}"""


def write_docs(section: str) -> None:
    text = DOCS.read_text() if DOCS.exists() else ""
    if DOCS_START in text and DOCS_END in text:
        head, rest = text.split(DOCS_START, 1)
        _, tail = rest.split(DOCS_END, 1)
        text = head + section + tail
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOCS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="bix_bench")
    parser.add_argument("--enrich", action="store_true", help="add text and indicators first")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    if not args.database.startswith("bix_bench"):
        sys.exit("The bench database name must start with 'bix_bench'.")
    _, url = database_urls(args.database)
    setup_django(url)
    if args.enrich:
        enrich(url)
    from django.db import connection

    connection.close()
    rows, _ = measure(args.runs)
    print(markdown_table(rows))
    if not args.no_docs:
        write_docs(render(rows, data_shape(), environment()))
        print(f"written to {DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    main()
