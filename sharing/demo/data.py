"""Demo data for seed_demo: real border crossings, agencies, agreements and report texts."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import partial
from typing import Any

from agencies.models import AgencyKind, Role
from sharing.audit import RequestContext
from sharing.constants import CATEGORIES
from sharing.models import (
    AuditChannel,
    HandlingCode,
    IndicatorType,
    InformationCredibility,
    Priority,
    SourceReliability,
    Tlp,
)

# Published in the README so anyone can sign in to a demo; never used outside demo data.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105
ADMIN_USERNAME = "admin"
DEFAULT_REPORTS = 320
SEED = 2026
BATCH = 40  # reports per transaction
TITLE_RETRIES = 5
# The one country with no agreement: what it cannot see demonstrates need-to-know.
NO_AGREEMENT_COUNTRY = "BR"

CONTEXT = RequestContext(channel=AuditChannel.COMMAND)
ALL_CATEGORIES: tuple[str, ...] = tuple(code for code, _, _ in CATEGORIES)
ROLE_SUFFIXES: tuple[tuple[Role, str], ...] = (
    (Role.ANALYST, "analyst"),
    (Role.SUPERVISOR, "supervisor"),
    (Role.AGENCY_ADMIN, "admin"),
)

# --------------------------------------------------------------------------------------------
# Countries, agencies, agreements


COUNTRIES: tuple[tuple[str, str], ...] = (
    ("CO", "Colombia"),
    ("EC", "Ecuador"),
    ("PE", "Peru"),
    ("KE", "Kenya"),
    ("TZ", "Tanzania"),
    ("US", "United States"),
    ("CA", "Canada"),
    ("FR", "France"),
    ("ES", "Spain"),
    ("DE", "Germany"),
    ("IT", "Italy"),
    ("BR", "Brazil"),
)
COUNTRY_NAMES = dict(COUNTRIES)
# How a country reads in the middle of a sentence ("reported by the United States").
IN_PROSE = {**COUNTRY_NAMES, "US": "the United States"}


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str
    short_name: str
    kind: AgencyKind
    country: str


AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec(
        "co-policia",
        "Policía Nacional de Colombia, Dirección de Investigación Criminal e Interpol",
        "DIJIN",
        AgencyKind.POLICE,
        "CO",
    ),
    AgencySpec(
        "co-migracion",
        "Unidad Administrativa Especial Migración Colombia",
        "Migración Colombia",
        AgencyKind.IMMIGRATION,
        "CO",
    ),
    AgencySpec(
        "co-dian",
        "Dirección de Impuestos y Aduanas Nacionales",
        "DIAN",
        AgencyKind.CUSTOMS,
        "CO",
    ),
    AgencySpec("ec-policia", "Policía Nacional del Ecuador", "PNE", AgencyKind.POLICE, "EC"),
    AgencySpec(
        "ec-senae", "Servicio Nacional de Aduana del Ecuador", "SENAE", AgencyKind.CUSTOMS, "EC"
    ),
    AgencySpec(
        "ec-armada",
        "Armada del Ecuador, Comando de Guardacostas",
        "Guardacostas EC",
        AgencyKind.COAST_GUARD,
        "EC",
    ),
    AgencySpec("pe-policia", "Policía Nacional del Perú", "PNP", AgencyKind.POLICE, "PE"),
    AgencySpec(
        "pe-sunat",
        "Superintendencia Nacional de Aduanas y de Administración Tributaria",
        "SUNAT Aduanas",
        AgencyKind.CUSTOMS,
        "PE",
    ),
    AgencySpec(
        "pe-migraciones",
        "Superintendencia Nacional de Migraciones",
        "Migraciones",
        AgencyKind.IMMIGRATION,
        "PE",
    ),
    AgencySpec("ke-police", "National Police Service", "NPS", AgencyKind.POLICE, "KE"),
    AgencySpec("ke-kws", "Kenya Wildlife Service", "KWS", AgencyKind.WILDLIFE, "KE"),
    AgencySpec(
        "ke-kra",
        "Kenya Revenue Authority, Customs and Border Control",
        "KRA Customs",
        AgencyKind.CUSTOMS,
        "KE",
    ),
    AgencySpec("tz-police", "Tanzania Police Force", "TPF", AgencyKind.POLICE, "TZ"),
    AgencySpec(
        "tz-tawa", "Tanzania Wildlife Management Authority", "TAWA", AgencyKind.WILDLIFE, "TZ"
    ),
    AgencySpec(
        "tz-immigration",
        "Tanzania Immigration Services Department",
        "Immigration TZ",
        AgencyKind.IMMIGRATION,
        "TZ",
    ),
    AgencySpec(
        "us-cbp", "U.S. Customs and Border Protection", "CBP", AgencyKind.BORDER_GUARD, "US"
    ),
    AgencySpec("us-hsi", "Homeland Security Investigations", "HSI", AgencyKind.POLICE, "US"),
    AgencySpec("us-uscg", "United States Coast Guard", "USCG", AgencyKind.COAST_GUARD, "US"),
    AgencySpec("ca-cbsa", "Canada Border Services Agency", "CBSA", AgencyKind.BORDER_GUARD, "CA"),
    AgencySpec("ca-rcmp", "Royal Canadian Mounted Police", "RCMP", AgencyKind.POLICE, "CA"),
    AgencySpec(
        "fr-douane",
        "Direction générale des douanes et droits indirects",
        "Douane",
        AgencyKind.CUSTOMS,
        "FR",
    ),
    AgencySpec(
        "fr-paf",
        "Direction nationale de la police aux frontières",
        "PAF",
        AgencyKind.BORDER_GUARD,
        "FR",
    ),
    AgencySpec("fr-gendarmerie", "Gendarmerie nationale", "Gendarmerie", AgencyKind.POLICE, "FR"),
    AgencySpec("es-guardia-civil", "Guardia Civil", "Guardia Civil", AgencyKind.POLICE, "ES"),
    AgencySpec(
        "es-policia",
        "Policía Nacional, Comisaría General de Extranjería y Fronteras",
        "CGEF",
        AgencyKind.BORDER_GUARD,
        "ES",
    ),
    AgencySpec("de-bpol", "Bundespolizei", "BPOL", AgencyKind.BORDER_GUARD, "DE"),
    AgencySpec("de-zoll", "Generalzolldirektion", "Zoll", AgencyKind.CUSTOMS, "DE"),
    AgencySpec("de-bka", "Bundeskriminalamt", "BKA", AgencyKind.POLICE, "DE"),
    AgencySpec("it-gdf", "Guardia di Finanza", "GdF", AgencyKind.CUSTOMS, "IT"),
    AgencySpec(
        "it-polizia",
        "Polizia di Stato, Servizio Polizia di Frontiera",
        "Polizia di Frontiera",
        AgencyKind.BORDER_GUARD,
        "IT",
    ),
    AgencySpec("br-pf", "Polícia Federal", "PF", AgencyKind.POLICE, "BR"),
    AgencySpec("br-receita", "Receita Federal do Brasil", "Receita", AgencyKind.CUSTOMS, "BR"),
)
AGENCY_BY_CODE = {spec.code: spec for spec in AGENCIES}

PARTNER_SYSTEMS: tuple[tuple[str, str, str], ...] = (
    ("co-policia", "National case system", "Pushes published reports into the DIJIN case files."),
    ("us-cbp", "Targeting system connector", "Pulls indicators for watch-list matching."),
    ("fr-douane", "MISP", "Synchronises indicators with the customs MISP instance."),
    ("ke-kws", "OpenCTI", "Feeds the wildlife-crime intelligence platform."),
)


@dataclass(frozen=True)
class AgreementSpec:
    reference: str
    title: str
    parties: tuple[str, ...]
    categories: tuple[str, ...]
    max_tlp: Tlp
    description: str
    suspend_reason: str = ""


AGREEMENTS: tuple[AgreementSpec, ...] = (
    AgreementSpec(
        "BIX-MOU/CO-EC/2023/014",
        "Colombia–Ecuador binational border commission (COMBIFRON) information sharing",
        ("CO", "EC"),
        ("drug-trafficking", "arms-trafficking", "migrant-smuggling"),
        Tlp.AMBER,
        "Exchange of operational intelligence along the Carchi–Nariño and Putumayo–Sucumbíos "
        "border and the Pacific coast.",
    ),
    AgreementSpec(
        "BIX-MOU/CO-PE/2023/021",
        "Colombia–Peru Putumayo basin arms-control protocol",
        ("CO", "PE"),
        ("arms-trafficking",),
        Tlp.GREEN,
        "Firearms and ammunition moving along the Putumayo and Amazon rivers.",
    ),
    AgreementSpec(
        "BIX-MOU/EC-PE/2023/009",
        "Ecuador–Peru southern border cooperation arrangement",
        ("EC", "PE"),
        ("drug-trafficking", "migrant-smuggling", "smuggling", "document-fraud"),
        Tlp.AMBER,
        "Huaquillas–Aguas Verdes, Macará–La Tina and La Balsa crossings.",
        suspend_reason=(
            "Suspended by the joint committee pending review of the data-protection annex "
            "after an unauthorised onward disclosure."
        ),
    ),
    AgreementSpec(
        "BIX-MOU/KE-TZ/2023/004",
        "Kenya–Tanzania cross-border wildlife and human trafficking memorandum",
        ("KE", "TZ"),
        ("human-trafficking", "wildlife-poaching"),
        Tlp.AMBER,
        "Namanga, Isebania–Sirari, Taveta–Holili and Lunga Lunga–Horohoro one-stop border posts.",
    ),
    AgreementSpec(
        "BIX-MOU/US-CA/2023/011",
        "United States–Canada Cross-Border Crime Forum intelligence arrangement",
        ("US", "CA"),
        ("terrorism", "smuggling"),
        Tlp.AMBER,
        "Shared threat picture for the land border and the St. Lawrence seaway.",
    ),
    AgreementSpec(
        "BIX-MOU/EU4/2023/002",
        "France–Spain–Germany–Italy quadrilateral border intelligence arrangement",
        ("FR", "ES", "DE", "IT"),
        ALL_CATEGORIES,
        Tlp.AMBER,
        "Internal-border hot spots: Pyrenees, Upper Rhine, Saar and the Franco-Italian Alps.",
    ),
)

# --------------------------------------------------------------------------------------------
# Geography: crossing points on the real borders


@dataclass(frozen=True)
class Site:
    sector: str
    lat: float
    lon: float
    places: dict[str, str]  # country code -> town on that side
    routes: tuple[str, ...]
    water: bool = False  # on a river, lake or coast: boats are plausible here
    road: bool = True  # reached by road: lorries and cars are plausible here


@dataclass(frozen=True)
class Corridor:
    countries: tuple[str, ...]
    categories: tuple[str, ...]  # crime typical of this stretch of border
    sites: tuple[Site, ...]


CORRIDORS: tuple[Corridor, ...] = (
    Corridor(
        ("CO", "EC"),
        ("drug-trafficking", "arms-trafficking", "migrant-smuggling", "smuggling",
         "document-fraud"),
        (
            Site("Rumichaca international bridge", 0.8117, -77.6430,
                 {"CO": "Ipiales, Nariño", "EC": "Tulcán, Carchi"},
                 ("Ipiales → Rumichaca → Tulcán → Quito", "Cali → Pasto → Ipiales → Rumichaca")),
            Site("San Miguel river crossing", 0.0990, -76.8870,
                 {"CO": "San Miguel, Putumayo", "EC": "General Farfán, Sucumbíos"},
                 ("Puerto Asís → San Miguel river → Lago Agrio",), water=True),
            Site("Mataje river mouth, Pacific coast", 1.4400, -78.9300,
                 {"CO": "Tumaco, Nariño", "EC": "San Lorenzo, Esmeraldas"},
                 ("Tumaco → Mataje river → San Lorenzo → Esmeraldas",
                  "Tumaco → Pacific go-fast route → Central America"), water=True, road=False),
        ),
    ),
    Corridor(
        ("CO", "PE"),
        ("arms-trafficking", "drug-trafficking", "smuggling", "wildlife-poaching"),
        (
            Site("Putumayo river, Puerto Leguízamo – Soplín Vargas", -0.1950, -74.7800,
                 {"CO": "Puerto Leguízamo, Putumayo", "PE": "Soplín Vargas, Loreto"},
                 ("Puerto Leguízamo → Putumayo river → Soplín Vargas",), water=True, road=False),
            Site("Putumayo river, middle course", -2.4500, -72.6700,
                 {"CO": "Puerto Arica, Amazonas", "PE": "El Estrecho, Loreto"},
                 ("El Estrecho → Putumayo river → Puerto Asís",), water=True, road=False),
            Site("Amazon river, Leticia – Santa Rosa", -4.2100, -69.9400,
                 {"CO": "Leticia, Amazonas", "PE": "Santa Rosa de Yavarí, Loreto"},
                 ("Leticia → Amazon river → Caballococha → Iquitos",), water=True, road=False),
        ),
    ),
    Corridor(
        ("EC", "PE"),
        ("migrant-smuggling", "smuggling", "drug-trafficking", "document-fraud"),
        (
            Site("Huaquillas – Aguas Verdes international bridge", -3.4800, -80.2300,
                 {"EC": "Huaquillas, El Oro", "PE": "Aguas Verdes, Tumbes"},
                 ("Machala → Huaquillas → Aguas Verdes → Tumbes → Lima",)),
            Site("Macará – La Tina bridge", -4.3900, -79.9600,
                 {"EC": "Macará, Loja", "PE": "La Tina, Piura"},
                 ("Loja → Macará → La Tina → Sullana",)),
            Site("La Balsa bridge, Canchis river", -4.9900, -79.0900,
                 {"EC": "Zumba, Zamora Chinchipe", "PE": "San Ignacio, Cajamarca"},
                 ("Zumba → La Balsa → San Ignacio → Jaén",)),
        ),
    ),
    Corridor(
        ("KE", "TZ"),
        ("human-trafficking", "wildlife-poaching", "drug-trafficking", "smuggling",
         "migrant-smuggling", "document-fraud"),
        (
            Site("Namanga one-stop border post", -2.5450, 36.7890,
                 {"KE": "Namanga, Kajiado", "TZ": "Namanga, Arusha"},
                 ("Arusha → Namanga → Nairobi",)),
            Site("Isebania – Sirari one-stop border post", -1.2500, 34.4800,
                 {"KE": "Isebania, Migori", "TZ": "Sirari, Mara"},
                 ("Mwanza → Sirari → Isebania → Kisumu",)),
            Site("Lunga Lunga – Horohoro one-stop border post", -4.5900, 39.1400,
                 {"KE": "Lunga Lunga, Kwale", "TZ": "Horohoro, Tanga"},
                 ("Tanga → Horohoro → Lunga Lunga → Mombasa port",)),
            Site("Taveta – Holili one-stop border post", -3.3800, 37.6500,
                 {"KE": "Taveta, Taita-Taveta", "TZ": "Holili, Kilimanjaro"},
                 ("Moshi → Holili → Taveta → Voi",)),
        ),
    ),
    Corridor(
        ("US", "CA"),
        ("terrorism", "smuggling", "drug-trafficking", "arms-trafficking", "human-trafficking",
         "cybercrime", "document-fraud"),
        (
            Site("Blaine – Peace Arch crossing", 49.0000, -122.7500,
                 {"US": "Blaine, Washington", "CA": "Surrey, British Columbia"},
                 ("Vancouver → Blaine → Seattle",)),
            Site("Detroit – Windsor Ambassador Bridge", 42.3100, -83.0700,
                 {"US": "Detroit, Michigan", "CA": "Windsor, Ontario"},
                 ("Toronto → Windsor → Detroit",), water=True),
            Site("Champlain – Lacolle crossing", 45.0100, -73.4500,
                 {"US": "Champlain, New York", "CA": "Lacolle, Quebec"},
                 ("Montreal → Lacolle → Champlain → New York City",)),
            Site("Sweetgrass – Coutts crossing", 48.9990, -111.9600,
                 {"US": "Sweetgrass, Montana", "CA": "Coutts, Alberta"},
                 ("Calgary → Coutts → Sweetgrass → Great Falls",)),
            Site("St. Lawrence river at Akwesasne", 44.9900, -74.6600,
                 {"US": "Massena, New York", "CA": "Cornwall, Ontario"},
                 ("Cornwall → St. Lawrence river → Massena",), water=True),
        ),
    ),
    Corridor(
        ("FR", "ES"),
        ALL_CATEGORIES,
        (
            Site("Le Perthus – La Jonquera (A9/AP-7)", 42.4600, 2.8600,
                 {"FR": "Le Perthus, Pyrénées-Orientales", "ES": "La Jonquera, Girona"},
                 ("Barcelona → La Jonquera → Le Perthus → Perpignan → Lyon",)),
            Site("Hendaye – Irun (Bidasoa bridges)", 43.3400, -1.7900,
                 {"FR": "Hendaye, Pyrénées-Atlantiques", "ES": "Irun, Gipuzkoa"},
                 ("Algeciras → Madrid → Irun → Hendaye → Bordeaux",), water=True),
            Site("Somport pass", 42.7900, -0.5300,
                 {"FR": "Urdos, Pyrénées-Atlantiques", "ES": "Canfranc, Huesca"},
                 ("Zaragoza → Somport → Pau",)),
        ),
    ),
    Corridor(
        ("FR", "DE"),
        ALL_CATEGORIES,
        (
            Site("Strasbourg – Kehl (Europe bridge)", 48.5700, 7.8000,
                 {"FR": "Strasbourg, Bas-Rhin", "DE": "Kehl, Baden-Württemberg"},
                 ("Strasbourg → Kehl → Karlsruhe",), water=True),
            Site("Goldene Bremm (A320/A6)", 49.2150, 6.9850,
                 {"FR": "Stiring-Wendel, Moselle", "DE": "Saarbrücken, Saarland"},
                 ("Paris → Metz → Goldene Bremm → Saarbrücken → Frankfurt",)),
            Site("Basel tri-border area", 47.5900, 7.5900,
                 {"FR": "Saint-Louis, Haut-Rhin", "DE": "Weil am Rhein, Baden-Württemberg"},
                 ("Milan → Basel → Weil am Rhein → Freiburg",), water=True),
        ),
    ),
    Corridor(
        ("FR", "IT"),
        ALL_CATEGORIES,
        (
            Site("Menton – Ventimiglia (Ponte San Luigi)", 43.7900, 7.5300,
                 {"FR": "Menton, Alpes-Maritimes", "IT": "Ventimiglia, Liguria"},
                 ("Genoa → Ventimiglia → Menton → Nice",), water=True),
            Site("Fréjus road tunnel", 45.1400, 6.6900,
                 {"FR": "Modane, Savoie", "IT": "Bardonecchia, Piedmont"},
                 ("Turin → Fréjus tunnel → Modane → Lyon",)),
            Site("Mont Blanc tunnel", 45.8700, 6.9000,
                 {"FR": "Chamonix, Haute-Savoie", "IT": "Courmayeur, Aosta Valley"},
                 ("Milan → Mont Blanc tunnel → Chamonix → Geneva",)),
        ),
    ),
    Corridor(
        ("BR", "CO"),
        ("drug-trafficking", "wildlife-poaching", "smuggling", "arms-trafficking"),
        (
            Site("Tabatinga – Leticia urban border", -4.2500, -69.9400,
                 {"BR": "Tabatinga, Amazonas", "CO": "Leticia, Amazonas"},
                 ("Leticia → Tabatinga → Solimões river → Manaus",), water=True),
        ),
    ),
    Corridor(
        ("BR", "PE"),
        ("drug-trafficking", "wildlife-poaching", "smuggling"),
        (
            Site("Javari river mouth", -4.3800, -70.0300,
                 {"BR": "Benjamin Constant, Amazonas", "PE": "Islandia, Loreto"},
                 ("Islandia → Javari river → Benjamin Constant → Manaus",), water=True, road=False),
        ),
    ),
)  # fmt: skip

TLP_WEIGHTS: tuple[tuple[Tlp, int], ...] = (
    (Tlp.CLEAR, 8), (Tlp.GREEN, 42), (Tlp.AMBER, 38), (Tlp.AMBER_STRICT, 7), (Tlp.RED, 5),
)  # fmt: skip
HANDLING_WEIGHTS: tuple[tuple[HandlingCode, int], ...] = (
    (HandlingCode.H0, 60), (HandlingCode.H1, 25), (HandlingCode.H2, 10), (HandlingCode.H3, 5),
)  # fmt: skip
RELIABILITY_WEIGHTS: tuple[tuple[SourceReliability, int], ...] = (
    (SourceReliability.A, 5), (SourceReliability.B, 35), (SourceReliability.C, 30),
    (SourceReliability.D, 10), (SourceReliability.E, 3), (SourceReliability.F, 17),
)  # fmt: skip
CREDIBILITY_WEIGHTS: tuple[tuple[InformationCredibility, int], ...] = (
    (InformationCredibility.CONFIRMED, 12), (InformationCredibility.PROBABLY_TRUE, 40),
    (InformationCredibility.POSSIBLY_TRUE, 30), (InformationCredibility.DOUBTFUL, 8),
    (InformationCredibility.IMPROBABLE, 2), (InformationCredibility.CANNOT_JUDGE, 8),
)  # fmt: skip
PRIORITY_WEIGHTS: tuple[tuple[Priority, int], ...] = (
    (Priority.ROUTINE, 55), (Priority.PRIORITY, 30), (Priority.URGENT, 12), (Priority.FLASH, 3),
)  # fmt: skip

# How often each country originates a report (roughly its share of the demo data).
COUNTRY_WEIGHTS: dict[str, int] = {
    "CO": 14, "EC": 10, "PE": 8, "KE": 9, "TZ": 7, "US": 11,
    "CA": 8, "FR": 9, "ES": 7, "DE": 7, "IT": 6, "BR": 4,
}  # fmt: skip

# How common each crime area is in border reporting, relative to the others.
CATEGORY_WEIGHTS: dict[str, int] = {
    "drug-trafficking": 6, "migrant-smuggling": 6, "smuggling": 4, "document-fraud": 4,
    "human-trafficking": 4, "arms-trafficking": 4, "wildlife-poaching": 3, "terrorism": 2,
    "cybercrime": 2,
}  # fmt: skip

# What each kind of agency usually reports on; police report on everything.
KIND_FOCUS: dict[str, tuple[str, ...]] = {
    AgencyKind.CUSTOMS: ("smuggling", "drug-trafficking", "arms-trafficking", "wildlife-poaching"),
    AgencyKind.IMMIGRATION: ("migrant-smuggling", "human-trafficking", "document-fraud"),
    AgencyKind.BORDER_GUARD: (
        "migrant-smuggling",
        "document-fraud",
        "smuggling",
        "terrorism",
        "drug-trafficking",
    ),
    AgencyKind.COAST_GUARD: ("drug-trafficking", "migrant-smuggling", "smuggling"),
    AgencyKind.WILDLIFE: ("wildlife-poaching",),
    AgencyKind.POLICE: ALL_CATEGORIES,
}

# --------------------------------------------------------------------------------------------
# Report text, per category

ANDES = ("CO", "EC", "PE", "BR")
EAST_AFRICA = ("KE", "TZ")
NORTH_AMERICA = ("US", "CA")
EUROPE = ("FR", "ES", "DE", "IT")


@dataclass(frozen=True)
class Scenario:
    title: str
    situation: str
    details: tuple[str, ...]  # observations that belong to this situation
    where: tuple[str, ...] = ()  # originator countries where it is plausible; empty: anywhere
    water: bool = False  # needs a river, lake or coast
    road: bool = False  # needs a road crossing


@dataclass(frozen=True)
class CategoryText:
    scenarios: tuple[Scenario, ...]
    details: tuple[str, ...]  # observations that fit any scenario of the category
    assessments: tuple[str, ...]
    indicator_types: tuple[IndicatorType, ...]
    quantity: tuple[int, int]


T = IndicatorType
TEXTS: dict[str, CategoryText] = {
    "drug-trafficking": CategoryText(
        (
            Scenario(
                "Cocaine concealed in fruit consignment intercepted near {place}",
                "On {when}, a scanner check near {place} revealed about {qty} kg of cocaine "
                "hidden in a refrigerated consignment of fruit declared for export to {partner}.",
                (
                    "The consignment was booked through a freight forwarder created six months "
                    "ago.",
                    "Bricks carry a recurring scorpion stamp seen in earlier seizures.",
                    "The driver had no delivery papers and claimed not to know the cargo.",
                ),
                road=True,
            ),
            Scenario(
                "Go-fast boat with {qty} kg of cocaine leaves the coast near {place}",
                "On {when}, a go-fast boat with three crew and about {qty} kg of cocaine was "
                "tracked leaving the shore near {place}, heading for a rendezvous off {partner}.",
                (
                    "The boat carried extra fuel drums for several hundred nautical miles.",
                    "The crew threw part of the cargo overboard when approached.",
                    "A fishing vessel nearby is suspected of acting as a refuelling platform.",
                ),
                where=("CO", "EC"),
                water=True,
            ),
            Scenario(
                "Coca paste laboratory operating close to {place}",
                "Reporting dated {when} locates a coca paste laboratory in forest a few hours' "
                "walk from {place}, producing an estimated {qty} kg a month for buyers across "
                "the border with {partner}.",
                (
                    "Precursors such as petrol and cement arrive in small lots by motorcycle.",
                    "Workers are recruited from nearby communities and paid per batch.",
                    "The camp is guarded by armed men who watch the river.",
                ),
                where=ANDES,
            ),
            Scenario(
                "Cocaine hidden in cargo boat heading downriver from {place}",
                "On {when}, a search of a cargo boat leaving {place} found about {qty} kg of "
                "cocaine hidden among sacks of plantain, bound for buyers in {partner}.",
                (
                    "The boat's manifest listed only agricultural produce.",
                    "The crew changed boats midway to break the trail.",
                    "The boat owner was paid through a relative's bank account.",
                ),
                where=ANDES,
                water=True,
            ),
            Scenario(
                "Cannabis hidden in double-floored truck at {sector}",
                "On {when}, officers at the {sector} found {qty} kg of compressed cannabis in a "
                "false floor of a truck declared as carrying building materials to {partner}.",
                (
                    "The false floor was welded and painted to match the chassis.",
                    "The truck crossed eleven times in three months, always empty on return.",
                    "The haulage company's registered address is a residential flat.",
                ),
                road=True,
            ),
            Scenario(
                "Counterfeit fentanyl pills couriered through {sector}",
                "On {when}, a traveller crossing at the {sector} was found with {qty} grams of "
                "counterfeit pills pressed to look like prescription oxycodone, for resale in "
                "{partner}.",
                (
                    "The pills were vacuum-sealed and hidden in the door panels.",
                    "Laboratory testing confirmed fentanyl mixed with xylazine.",
                    "The courier was recruited online and promised 2,000 US dollars a trip.",
                ),
                where=NORTH_AMERICA,
            ),
            Scenario(
                "Synthetic drugs moved by rental car through {sector}",
                "On {when}, a rental car stopped at the {sector} carried {qty} kg of MDMA and "
                "amphetamine bound for resale in {partner}.",
                (
                    "The drugs were packed in branded coffee bags to mask the smell.",
                    "The car was rented with a stolen identity.",
                    "Phone data shows contacts with a known wholesale supplier.",
                ),
                where=EUROPE,
                road=True,
            ),
        ),
        (
            "Lookouts with radios monitor patrol movements at the crossing.",
            "Couriers are paid in cash on delivery.",
            "The same group was linked to a seizure on the other side of the border last year.",
        ),
        (
            "The network is likely to keep using this corridor while enforcement pressure "
            "stays elsewhere.",
            "Displacement to alternative crossings is probable once this route is disrupted.",
            "The volumes suggest a wholesale supplier rather than street-level distribution.",
        ),
        (T.PERSON_NAME, T.VEHICLE_PLATE, T.VESSEL_MMSI, T.PHONE, T.ROUTE, T.BANK_ACCOUNT),
        (40, 1500),
    ),
    "arms-trafficking": CategoryText(
        (
            Scenario(
                "Rifle parts smuggled among household goods at {sector}",
                "On {when}, a search at the {sector} uncovered parts for {qty} rifles wrapped in "
                "plastic inside furniture declared as a household move to {partner}.",
                (
                    "Serial numbers were ground off; two receivers keep partial markings.",
                    "The consignee gave a false address and a prepaid phone number.",
                    "The same sender declared two similar consignments this year.",
                ),
                road=True,
            ),
            Scenario(
                "Ammunition cache recovered on riverbank near {place}",
                "Patrols on the riverbank near {place} recovered {qty} boxes of rifle "
                "ammunition on {when}, buried in plastic drums and apparently awaiting "
                "collection by boat.",
                (
                    "Ammunition boxes bear lot numbers from a military production run.",
                    "Fresh boat tracks and fuel containers were found nearby.",
                    "Fishermen report night-time landings on this stretch of the bank.",
                ),
                water=True,
            ),
            Scenario(
                "{qty} firearms moved by river launch towards {place}",
                "Human-source reporting dated {when} describes a river launch carrying about "
                "{qty} rifles and pistols upriver towards {place} for an armed group active "
                "across the border with {partner}.",
                (
                    "Launches travel at dawn to avoid naval patrols.",
                    "Buyers reportedly pay partly in cocaine rather than cash.",
                    "The launch owner also runs a legitimate passenger service.",
                ),
                where=ANDES,
                water=True,
            ),
            Scenario(
                "Straw-purchased handguns crossing at {sector}",
                "Trace results received on {when} show that {qty} handguns recovered in "
                "{partner} were bought legally by a small group of straw purchasers living near "
                "{place}.",
                (
                    "Purchases were spread across several licensed dealers within weeks.",
                    "The buyers have no criminal records and little declared income.",
                    "The guns were hidden in spare-tyre wells for the crossing.",
                ),
                where=NORTH_AMERICA,
                road=True,
            ),
            Scenario(
                "Converted blank-firing pistols offered for sale around {place}",
                "Since {when}, online advertisements traced to {place} offer blank-firing "
                "pistols converted to fire live ammunition; {qty} of them have been recovered in "
                "{partner}.",
                (
                    "The conversion uses a distinctive drilled barrel insert.",
                    "Sellers ask for payment in cryptocurrency and ship by parcel service.",
                    "The recovered pistols are one model bought in bulk from a legal retailer.",
                ),
                where=EUROPE,
            ),
        ),
        (
            "Weapons are test-fired on a farm a few kilometres from the crossing.",
            "The courier recruits young people to carry parts across in small lots.",
            "Tracing requests have been sent through INTERPOL iARMS.",
        ),
        (
            "The weapons are most likely destined for armed groups active near the border.",
            "The supply is small but steady and appears to respond to local demand.",
            "Tracing the recovered items may link this case to earlier seizures.",
        ),
        (T.PERSON_NAME, T.VEHICLE_PLATE, T.PHONE, T.ROUTE, T.TRAVEL_DOCUMENT),
        (3, 60),
    ),
    "human-trafficking": CategoryText(
        (
            Scenario(
                "Young women recruited with false job offers near {place}",
                "On {when}, {qty} young women were identified near {place} after answering "
                "advertisements for hotel and domestic work in {partner}; none had a contract "
                "or knew their employer.",
                (
                    "Recruitment runs through social-media job pages in the victims' home towns.",
                    "Transport and lodging were advanced as a debt of several months' wages.",
                    "A woman posing as an agency owner travelled with the group.",
                ),
            ),
            Scenario(
                "Unaccompanied minors moved through {sector}",
                "A check at the {sector} on {when} found {qty} minors travelling with an adult "
                "who could not explain the relationship and held all their documents.",
                (
                    "The adult carried signed but undated parental travel authorisations.",
                    "The children had been told to say they were visiting relatives.",
                    "The same driver has crossed the border several times in recent weeks.",
                ),
            ),
            Scenario(
                "Forced-labour victims identified on farms around {place}",
                "On {when}, labour inspectors and police found {qty} workers from {partner} on "
                "farms near {place}, housed in locked containers and unpaid for months.",
                (
                    "The victims' identity documents were confiscated on arrival.",
                    "Food and lodging are deducted from wages that are never paid.",
                    "Workers were moved between farms whenever an inspection was expected.",
                ),
            ),
            Scenario(
                "Trafficking cell using the bus terminal at {place}",
                "NGO partners reported on {when} that recruiters meet new arrivals at the bus "
                "terminal in {place} and move them on to {partner} the same night; {qty} cases "
                "are known.",
                (
                    "Recruiters approach women travelling alone and offer free onward transport.",
                    "Payments for the journey go by mobile money to a third party.",
                    "Victims are later exploited in bars in border towns across the line.",
                ),
            ),
        ),
        (
            "Phone numbers used by the recruiters change every few weeks.",
            "Victims described threats against their families at home.",
        ),
        (
            "The pattern is consistent with an organised recruitment network rather than "
            "opportunistic offenders.",
            "Further victims are likely to be in transit along the same route.",
            "Victim protection services on both sides of the border should be alerted.",
        ),
        (T.PERSON_NAME, T.PHONE, T.TRAVEL_DOCUMENT, T.ROUTE, T.BANK_ACCOUNT, T.EMAIL),
        (2, 14),
    ),
    "migrant-smuggling": CategoryText(
        (
            Scenario(
                "{qty} migrants guided across an unofficial path near {place}",
                "On {when}, a group of {qty} migrants was intercepted near {place} after being "
                "guided on foot around the official crossing at the {sector}.",
                (
                    "Guides collect money at the start of the path and return the same night.",
                    "The group included families with small children.",
                    "The migrants were told to discard their documents before crossing.",
                ),
            ),
            Scenario(
                "Smuggling fees collected by mobile money at {sector}",
                "Migrants interviewed at the {sector} on {when} described paying smugglers in "
                "stages for transport to {partner}, 300 to 1,500 US dollars each; {qty} payments "
                "have been traced.",
                (
                    "Each stage is paid only when the migrant sends a photo from the next stop.",
                    "The receiving accounts belong to people who never travel.",
                    "Smugglers announce departures in messaging-app groups.",
                ),
            ),
            Scenario(
                "Overcrowded boat with {qty} migrants intercepted near {place}",
                "On {when}, a boat carrying {qty} migrants without life jackets was intercepted "
                "near {place} while crossing towards {partner}.",
                (
                    "The boat was powered by a single outboard engine.",
                    "The pilot was one of the migrants, given a discount to steer.",
                    "Several migrants needed medical care for hypothermia.",
                ),
                water=True,
            ),
            Scenario(
                "Rented vans used to bypass checks at {sector}",
                "Surveillance at the {sector} up to {when} identified a shuttle service of "
                "rented vans moving groups of up to {qty} people at night towards {partner}.",
                (
                    "Vans are rented under false identities and changed every week.",
                    "A scout car drives ahead to warn of patrols.",
                    "Drop-off points are car parks near motorway service areas.",
                ),
                road=True,
            ),
        ),
        (
            "Some migrants were abandoned before reaching the agreed destination.",
            "The organisers appear to have contacts on both sides of the border.",
        ),
        (
            "Demand for smuggling services on this stretch is expected to remain high.",
            "The organisers appear to operate on both sides of the border.",
            "Life-threatening conditions make early interception a priority.",
        ),
        (T.PERSON_NAME, T.PHONE, T.VEHICLE_PLATE, T.ROUTE, T.CRYPTO_WALLET, T.BANK_ACCOUNT),
        (8, 90),
    ),
    "smuggling": CategoryText(
        (
            Scenario(
                "Undeclared cigarettes in double-floored lorry at {sector}",
                "On {when}, customs officers at the {sector} found {qty} cartons of cigarettes "
                "without tax stamps behind a load of furniture declared for {partner}.",
                (
                    "Scanner images showed irregular density at the front of the trailer.",
                    "The cigarettes are a brand made for export only.",
                    "The consignee was registered three months ago with a nominee director.",
                ),
                road=True,
            ),
            Scenario(
                "Fuel smuggled in jerrycans across the river near {place}",
                "Patrols near {place} reported on {when} a nightly flow of small boats carrying "
                "about {qty} litres of fuel a night to the {partner} bank.",
                (
                    "Fuel bought at subsidised prices sells for twice as much across the river.",
                    "Boats leave from private landings behind riverside houses.",
                    "Buyers on the other bank pay cash in local currency.",
                ),
                where=ANDES + EAST_AFRICA,
                water=True,
            ),
            Scenario(
                "Counterfeit spare parts declared as household goods at {sector}",
                "On {when}, a lorry at the {sector} was found carrying {qty} counterfeit brake "
                "pads and filters declared as used household goods bound for {partner}.",
                (
                    "The parts carry copied trademarks and fake approval marks.",
                    "Invoices are reused across several shipments with altered dates.",
                    "Drivers are paid per trip and rotate between two haulage firms.",
                ),
                road=True,
            ),
            Scenario(
                "Cash couriers crossing with undeclared currency at {sector}",
                "Analysis of declarations at the {sector} up to {when} shows travellers from "
                "{place} crossing to {partner} {qty} times with cash just below the declaration "
                "threshold.",
                (
                    "The couriers travel in pairs and split the cash between them.",
                    "The cash is believed to come from contraband sold in border markets.",
                    "The travellers all give the same hotel as their address.",
                ),
            ),
        ),
        (
            "Goods are relabelled in a warehouse near the border before crossing.",
            "The goods are probably sold through informal markets in border towns.",
        ),
        (
            "Excise losses are significant and the scheme is likely to grow.",
            "Related companies may be using the same method at other crossings.",
            "A joint customs check on the companies involved is recommended.",
        ),
        (T.VEHICLE_PLATE, T.PERSON_NAME, T.VESSEL_IMO, T.BANK_ACCOUNT, T.ROUTE, T.PHONE),
        (200, 20000),
    ),
    "terrorism": CategoryText(
        (
            Scenario(
                "Person of interest attempted crossing at {sector}",
                "On {when}, a traveller presenting at the {sector} matched a person of interest "
                "reported by {partner}; the traveller was allowed to proceed under discreet "
                "observation.",
                (
                    "The traveller used a recently issued passport with no travel history.",
                    "The return ticket was booked by a third party and paid in cash.",
                    "The traveller carried two phones and no luggage.",
                ),
            ),
            Scenario(
                "Suspected facilitation of foreign terrorist fighter travel via {place}",
                "Reporting up to {when} indicates that a facilitator near {place} arranges "
                "documents and onward travel for {qty} people seeking to join a proscribed group "
                "abroad.",
                (
                    "Travellers are told to fly from {partner} to avoid attention at home.",
                    "Contacts include a person convicted of terrorist offences in {partner}.",
                    "Itineraries include long layovers in transit hubs.",
                ),
            ),
            Scenario(
                "Online fundraising for proscribed organisation traced to {place}",
                "Financial reporting up to {when} links small transfers from residents of "
                "{place} to an online campaign supporting a proscribed organisation; {qty} "
                "donors are in {partner}.",
                (
                    "Transfers stay below reporting thresholds and are split across senders.",
                    "The campaign moves to another crowdfunding platform after each takedown.",
                    "Part of the funds is converted to cryptocurrency within hours.",
                ),
            ),
            Scenario(
                "Purchases of dual-use precursors reported near {place}",
                "A retailer near {place} reported on {when} {qty} cash purchases of chemicals "
                "that can serve as explosive precursors by a customer recently arrived from "
                "{partner}.",
                (
                    "Purchases were made in different shops on the same day.",
                    "The customer refused a loyalty card and paid in cash each time.",
                    "Quantities exceed any plausible household use.",
                ),
            ),
        ),
        ("The same phone number was used to register several messaging accounts.",),
        (
            "No imminent threat is identified, but the activity warrants continued monitoring.",
            "The facilitation network appears to span at least two countries.",
            "Sharing with the partner country's counter-terrorism units is recommended.",
        ),
        (T.PERSON_NAME, T.TRAVEL_DOCUMENT, T.PHONE, T.EMAIL, T.CRYPTO_WALLET, T.DOMAIN),
        (2, 6),
    ),
    "cybercrime": CategoryText(
        (
            Scenario(
                "Phishing site imitating e-visa portal targets travellers at {sector}",
                "Since {when}, at least {qty} travellers crossing at the {sector} have paid fees "
                "on a website that imitates the official e-visa portal of {partner}.",
                (
                    "Victims are reached through sponsored search results and text messages.",
                    "The site sits behind a content delivery network and rotates domains weekly.",
                    "Card data entered on the site is reused for fraud within hours.",
                ),
            ),
            Scenario(
                "Darknet vendor shipping counterfeit documents through {sector}",
                "An investigation opened on {when} links a darknet vendor with {qty} buyer "
                "reviews to parcels posted from {place} and collected in {partner}.",
                (
                    "Parcels are declared as printed matter and sent through a consolidator.",
                    "The vendor accepts payment in Monero only.",
                    "Reviews mention delivery across the border within a week.",
                ),
            ),
            Scenario(
                "SIM-swap fraud ring operating from {place}",
                "On {when}, police near {place} identified a group that took over the phone "
                "numbers of {qty} victims, some living in {partner}, to empty their bank "
                "accounts.",
                (
                    "An insider at a mobile-phone shop approved the SIM replacements.",
                    "Stolen funds passed through several mule accounts within minutes.",
                    "Victims were picked from leaked customer databases.",
                ),
            ),
            Scenario(
                "Business email compromise against freight forwarders near {place}",
                "On {when}, a freight forwarder near {place} paid an invoice into a fraudulent "
                "account after an email from a look-alike supplier domain; {qty} similar "
                "attempts against firms in {partner} followed.",
                (
                    "The look-alike domain was registered two days before the fraud.",
                    "The attackers had read access to the victim's mailbox for weeks.",
                    "The account was opened with forged company documents.",
                ),
            ),
        ),
        (
            "Server logs show administration from addresses in several countries.",
            "Stolen data is resold in closed messaging channels.",
        ),
        (
            "Further victims are likely until the infrastructure is taken down.",
            "Takedown requests should be coordinated so as not to alert the operators.",
            "The operators are probably outside the jurisdiction where the victims are.",
        ),
        (T.DOMAIN, T.URL, T.IP, T.EMAIL, T.CRYPTO_WALLET, T.PHONE),
        (5, 400),
    ),
    "wildlife-poaching": CategoryText(
        (
            Scenario(
                "Ivory pieces concealed in charcoal sacks at {sector}",
                "On {when}, officers at the {sector} found about {qty} kg of raw and worked "
                "ivory hidden in sacks of charcoal on a lorry bound for {partner}.",
                (
                    "Tusk sections were cut to fit inside the sacks.",
                    "The lorry's owner is linked to an earlier seizure in a port city.",
                    "The charcoal itself was moving without a permit.",
                ),
                where=EAST_AFRICA,
                road=True,
            ),
            Scenario(
                "{qty} kg of pangolin scales seized from minibus near {place}",
                "On {when}, police and rangers near {place} stopped a minibus heading for the "
                "{sector} and found {qty} kg of pangolin scales in bags under the seats.",
                (
                    "The scales were dried and sorted by size, as buyers require.",
                    "Passengers denied knowing about the bags.",
                    "The conductor was paid by mobile money before departure.",
                ),
                where=EAST_AFRICA,
                road=True,
            ),
            Scenario(
                "Snare lines and poachers' camp found near {place}",
                "Patrol reports up to {when} describe a poaching group crossing from {partner} "
                "into protected areas near {place}; {qty} snares were removed along game trails.",
                (
                    "Snares and a freshly killed animal were found at the camp.",
                    "Poachers ride motorcycles along livestock paths to avoid the main road.",
                    "Herders report strangers camping near water points.",
                ),
                where=ANDES + EAST_AFRICA,
            ),
            Scenario(
                "Live parrots and primates offered for export near {place}",
                "A tip-off received on {when} identified a middleman near {place} who buys "
                "parrots, monkeys and turtles from hunters for smuggling into {partner}, about "
                "{qty} animals a month.",
                (
                    "Animals are sedated and packed in plastic bottles and tubes.",
                    "Many die in transit; the survivors are sold to collectors.",
                    "The middleman ships through a riverside market on the other bank.",
                ),
                where=ANDES,
            ),
            Scenario(
                "Protected species in mislabelled seafood shipment at {sector}",
                "On {when}, customs at the {sector} found about {qty} kg of glass eels, turtles "
                "and reptile skins in a shipment declared as ordinary seafood for {partner}.",
                (
                    "Live eels were packed in oxygenated bags inside suitcases.",
                    "The exporter holds a valid licence for a different species.",
                    "The final destination is believed to be outside the region.",
                ),
                where=EUROPE + NORTH_AMERICA,
            ),
        ),
        (
            "Phone records link the middleman to a known exporter in a port city.",
            "The buyer pays premium prices and collects at night.",
        ),
        (
            "The activity threatens a cross-border population and is likely to continue in the "
            "dry season.",
            "The middleman is a priority target because he links several poaching groups.",
            "Joint patrols on both sides of the border would close the crossing points used.",
        ),
        (T.PERSON_NAME, T.VEHICLE_PLATE, T.PHONE, T.ROUTE, T.TRAVEL_DOCUMENT),
        (5, 400),
    ),
    "document-fraud": CategoryText(
        (
            Scenario(
                "Forged residence permits detected at {sector}",
                "On {when}, officers at the {sector} detected {qty} travellers holding residence "
                "permits of {partner} with the same forgery features.",
                (
                    "The forgeries have a misaligned guilloche pattern on the data page.",
                    "The laminates lack the optically variable feature under angled light.",
                    "Several permits share consecutive serial numbers.",
                ),
            ),
            Scenario(
                "Impostors using genuine passports at {sector}",
                "Document examiners at the {sector} reported on {when} that {qty} travellers "
                "presented genuine passports of {partner} belonging to people who resemble them.",
                (
                    "The passports had been reported lost within the past year.",
                    "The holders could not answer basic questions about their home town.",
                    "Facial comparison flagged the mismatch; the visual check did not.",
                ),
            ),
            Scenario(
                "Counterfeit visa stickers produced in workshop near {place}",
                "Since {when}, a workshop near {place} has produced counterfeit visa stickers "
                "of {partner} sold to migrants planning to travel onwards; {qty} have been "
                "detected so far.",
                (
                    "Stickers sell for about 800 US dollars each through social media.",
                    "They are printed on inkjet printers, with no intaglio relief.",
                    "Seized laptops hold templates for several countries' visas.",
                ),
            ),
            Scenario(
                "Altered birth certificates presented for minors at {sector}",
                "On {when}, officers at the {sector} found {qty} children travelling on birth "
                "certificates from {partner} altered to show a different parent.",
                (
                    "Names and dates were changed in an ink that shows under UV light.",
                    "The accompanying adults gave inconsistent accounts of the family.",
                    "The same registry-office stamp appears on every certificate.",
                ),
            ),
        ),
        ("The same photographs appear on documents issued under different names.",),
        (
            "The forgeries pass a quick visual check; UV light and magnification are needed.",
            "The supplier is likely serving several smuggling networks.",
            "Specimens should be shared with the partner country's document experts.",
        ),
        (T.TRAVEL_DOCUMENT, T.PERSON_NAME, T.EMAIL, T.DOMAIN, T.PHONE),
        (2, 12),
    ),
}

ACTIONS: tuple[str, ...] = (
    "Partners are asked to check the indicators against national databases and report hits.",
    "Please share any information held on the persons and vehicles listed.",
    "Recipients are invited to consider a joint operation at the crossing.",
    "Report sightings of the listed vehicles or vessels to the originator's duty desk.",
    "Please confirm whether the listed persons have recent crossing records.",
    "No action requested; for situational awareness.",
)

# --------------------------------------------------------------------------------------------
# Indicator values, per country

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "CO": ("Andrés", "Carlos", "Jhon Jairo", "Luis Fernando", "Diana", "Yeison", "Marisol"),
    "EC": ("Byron", "Wilson", "Jefferson", "Maritza", "Darwin", "Jessenia", "Patricio"),
    "PE": ("Percy", "Yoni", "Juan Carlos", "Rosa", "Elmer", "Nilton", "Maribel"),
    "KE": ("Peter", "Kevin", "Faith", "Mercy", "Brian", "Dennis", "Cynthia"),
    "TZ": ("Juma", "Rehema", "Baraka", "Neema", "Hamisi", "Zawadi", "Emmanuel"),
    "US": ("Travis", "Kyle", "Ashley", "Brandon", "Melissa", "Cody", "Derek"),
    "CA": ("Mathieu", "Tyler", "Émilie", "Justin", "Chantal", "Liam", "Karine"),
    "FR": ("Karim", "Julien", "Nadia", "Sébastien", "Mehdi", "Laurence", "Thierry"),
    "ES": ("Iker", "Javier", "Nerea", "Sergio", "Rocío", "Aitor", "Lucía"),
    "DE": ("Sven", "Jana", "Marcel", "Aylin", "Sandra", "Tobias", "Dennis"),
    "IT": ("Salvatore", "Giuseppe", "Francesca", "Antonio", "Ciro", "Chiara", "Vincenzo"),
    "BR": ("João Paulo", "Wellington", "Francisca", "Raimundo", "Adriana", "Cleiton", "Luana"),
}
LAST_NAMES: dict[str, tuple[str, ...]] = {
    "CO": ("Restrepo", "Quiñones", "Cortés", "Mosquera", "Ortiz", "Cabezas", "Rentería"),
    "EC": ("Quishpe", "Cevallos", "Bravo", "Montaño", "Caicedo", "Villacís", "Tenorio"),
    "PE": ("Huamán", "Quispe", "Mamani", "Flores", "Ríos", "Chávez", "Tapullima"),
    "KE": ("Otieno", "Kamau", "Mwangi", "Ochieng", "Kiprono", "Mutua", "Njoroge"),
    "TZ": ("Mollel", "Mushi", "Massawe", "Mwakyusa", "Lyimo", "Kimaro", "Ngowi"),
    "US": ("Miller", "Hughes", "Ramirez", "Foster", "Kowalski", "Brooks", "Sullivan"),
    "CA": ("Tremblay", "Gagnon", "MacDonald", "Bouchard", "Singh", "Lavoie", "Campbell"),
    "FR": ("Martin", "Bernard", "Haddad", "Dubois", "Lefèvre", "Moreau", "Garnier"),
    "ES": ("García", "Etxeberria", "Fernández", "Moreno", "Romero", "Navarro", "Ruiz"),
    "DE": ("Schneider", "Becker", "Yılmaz", "Hoffmann", "Wagner", "Krüger", "Schäfer"),
    "IT": ("Esposito", "Russo", "Romano", "Greco", "Ferrara", "Caruso", "De Luca"),
    "BR": ("Silva", "Souza", "Oliveira", "Pereira", "Araújo", "Cavalcante", "Nascimento"),
}
# Maritime identification digits: the first three digits of a ship's MMSI.
MMSI_MID: dict[str, str] = {
    "CO": "730", "EC": "735", "PE": "760", "KE": "634", "TZ": "674", "US": "366",
    "CA": "316", "FR": "227", "ES": "224", "DE": "211", "IT": "247", "BR": "710",
}  # fmt: skip
# Area codes of the border regions (Washington, Michigan, New York, Montana; BC, Ontario...).
PHONE_AREA: dict[str, tuple[str, ...]] = {
    "US": ("360", "313", "518", "406", "315"),
    "CA": ("604", "519", "514", "403", "613"),
}
# Reserved names and documentation addresses (RFC 2606, RFC 5737): demo indicators must not
# point at real people's mailboxes, real websites or real networks.
MAIL_DOMAINS = ("mailbox.example", "correo-seguro.example", "securemail.example")
WEB_DOMAINS = (
    "evisa-online-portal.example",
    "fast-border-pass.example",
    "customs-clearance-pay.example",
    "docs-express.example",
    "travel-permits-24.example",
)
DOC_NETS = ("192.0.2", "198.51.100", "203.0.113")
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _letters(rng: random.Random, n: int, alphabet: str = LETTERS) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _person(rng: random.Random, country: str) -> str:
    first = rng.choice(FIRST_NAMES[country])
    if country in ("CO", "EC", "PE"):
        # Two surnames, as written on Andean identity documents.
        return f"{first} {rng.choice(LAST_NAMES[country])} {rng.choice(LAST_NAMES[country])}"
    return f"{first} {rng.choice(LAST_NAMES[country])}"


def _plate(rng: random.Random, country: str) -> str:
    d, letters = partial(_digits, rng), partial(_letters, rng)
    formats: dict[str, Callable[[], str]] = {
        "CO": lambda: f"{letters(3)} {d(3)}",
        "EC": lambda: f"{rng.choice('CEIPSU')}{letters(2)}-{d(4)}",
        "PE": lambda: f"{letters(1)}{d(1)}{letters(1)}-{d(3)}",
        "KE": lambda: f"K{letters(2)} {d(3)}{letters(1)}",
        "TZ": lambda: f"T {d(3)} {letters(3)}",
        "US": lambda: f"{rng.choice(('WA', 'MI', 'NY', 'MT'))} {letters(3)}{d(4)}",
        "CA": lambda: f"{rng.choice(('BC', 'ON', 'QC', 'AB'))} {letters(4)} {d(3)}",
        "FR": lambda: f"{letters(2)}-{d(3)}-{letters(2)}",
        "ES": lambda: f"{d(4)} {letters(3, 'BCDFGHJKLMNPRSTVWXYZ')}",
        "DE": lambda: f"{rng.choice(('KA', 'SB', 'FR', 'OG', 'S'))}-{letters(2)} {d(4)}",
        "IT": lambda: f"{letters(2)} {d(3)}{letters(2)}",
        "BR": lambda: f"{letters(3)}{d(1)}{letters(1)}{d(2)}",
    }
    return formats[country]()


def _phone(rng: random.Random, country: str) -> str:
    d = partial(_digits, rng)
    formats: dict[str, Callable[[], str]] = {
        "CO": lambda: (
            f"+57 3{rng.choice(('00', '04', '10', '12', '15', '20', '50'))} {d(3)} {d(4)}"
        ),
        "EC": lambda: f"+593 9{d(1)} {d(3)} {d(4)}",
        "PE": lambda: f"+51 9{d(2)} {d(3)} {d(3)}",
        "KE": lambda: f"+254 7{d(2)} {d(3)} {d(3)}",
        "TZ": lambda: f"+255 7{d(2)} {d(3)} {d(3)}",
        # 555-01xx numbers are reserved for fiction in North America.
        "US": lambda: f"+1 {rng.choice(PHONE_AREA['US'])} 555 01{d(2)}",
        "CA": lambda: f"+1 {rng.choice(PHONE_AREA['CA'])} 555 01{d(2)}",
        "FR": lambda: f"+33 6 {d(2)} {d(2)} {d(2)} {d(2)}",
        "ES": lambda: f"+34 6{d(2)} {d(3)} {d(3)}",
        "DE": lambda: f"+49 15{d(1)} {d(8)}",
        "IT": lambda: f"+39 3{d(2)} {d(3)} {d(4)}",
        "BR": lambda: f"+55 97 9{d(4)}-{d(4)}",
    }
    return formats[country]()


def _iban(rng: random.Random, country: str) -> str:
    bban = {
        "FR": lambda: _digits(rng, 23),
        "ES": lambda: _digits(rng, 20),
        "DE": lambda: _digits(rng, 18),
        "IT": lambda: _letters(rng, 1) + _digits(rng, 22),
    }[country]()
    # ISO 13616 check digits, so the numbers pass the validation banks apply.
    numeric = "".join(str(int(ch, 36)) for ch in f"{bban}{country}00")
    iban = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _bank_account(rng: random.Random, country: str) -> str:
    if country in ("FR", "ES", "DE", "IT"):
        return _iban(rng, country)
    if country in ("KE", "TZ"):
        return f"M-Pesa till {_digits(rng, 6)}"
    if country in ("US", "CA"):
        return f"Acct {_digits(rng, 10)} routing {_digits(rng, 9)}"
    return f"{country} savings {_digits(rng, 3)}-{_digits(rng, 6)}-{_digits(rng, 2)}"


def _imo(rng: random.Random) -> str:
    digits = [9, *(rng.randint(0, 9) for _ in range(5))]
    check = sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10
    return "IMO " + "".join(map(str, digits)) + str(check)


def _indicator(rng: random.Random, kind: IndicatorType, country: str, routes: Sequence[str]) -> str:
    match kind:
        case IndicatorType.PERSON_NAME:
            return _person(rng, country)
        case IndicatorType.TRAVEL_DOCUMENT:
            return f"{_letters(rng, 2)}{_digits(rng, 7)}"
        case IndicatorType.VEHICLE_PLATE:
            return _plate(rng, country)
        case IndicatorType.VESSEL_IMO:
            return _imo(rng)
        case IndicatorType.VESSEL_MMSI:
            return MMSI_MID[country] + _digits(rng, 6)
        case IndicatorType.PHONE:
            return _phone(rng, country)
        case IndicatorType.EMAIL:
            name = rng.choice(LAST_NAMES[country]).lower().replace(" ", "")
            return f"{name}.{_digits(rng, 3)}@{rng.choice(MAIL_DOMAINS)}"
        case IndicatorType.IP:
            return f"{rng.choice(DOC_NETS)}.{rng.randint(1, 254)}"
        case IndicatorType.DOMAIN:
            return rng.choice(WEB_DOMAINS)
        case IndicatorType.URL:
            return f"https://{rng.choice(WEB_DOMAINS)}/pay/{_letters(rng, 6).lower()}"
        case IndicatorType.BANK_ACCOUNT:
            return _bank_account(rng, country)
        case IndicatorType.CRYPTO_WALLET:
            if rng.random() < 0.5:
                return "bc1q" + _letters(rng, 38, BECH32)
            return "T" + _letters(rng, 33, BASE58)
        case _:
            return rng.choice(routes)


# --------------------------------------------------------------------------------------------
# The plan: every report the seed publishes, computed from the seed alone


@dataclass(frozen=True)
class Revision:
    """A later edit of a published report: a new version its recipients see."""

    at: dt.datetime
    changes: dict[str, Any]
    note: str


@dataclass(frozen=True)
class PlannedReport:
    agency: str
    author: str
    category: str
    fields: dict[str, Any]
    rel_to: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    indicators: tuple[tuple[str, str], ...] = ()
    # When it was published (the seed publishes it as of then); None: it stays a draft.
    published_at: dt.datetime | None = None
    revision: Revision | None = None
    retracted: tuple[dt.datetime, str] | None = None

    @property
    def key(self) -> tuple[str, str]:
        """What makes a demo report the same one on the next run: originator agency and title."""
        return (self.agency, self.fields["title"])


def _partners(origin: str, *, active_only: bool) -> set[str]:
    return {
        country
        for spec in AGREEMENTS
        if origin in spec.parties and not (active_only and spec.suspend_reason)
        for country in spec.parties
    } - {origin}


def _covered(origin: str, others: Iterable[str]) -> set[str]:
    """Categories an active agreement shares between `origin` and any of `others`."""
    others = set(others)
    return {
        category
        for spec in AGREEMENTS
        if not spec.suspend_reason and origin in spec.parties and others & set(spec.parties)
        for category in spec.categories
    }


def _weighted[C](rng: random.Random, choices: Sequence[tuple[C, int]]) -> C:
    values, weights = zip(*choices, strict=True)
    picked: C = rng.choices(values, weights=weights)[0]
    return picked


def _pick_category(rng: random.Random, options: Sequence[str]) -> str:
    return _weighted(rng, [(code, CATEGORY_WEIGHTS[code]) for code in options])


def username_for(agency: str, role: Role) -> str:
    return f"{agency}.{dict(ROLE_SUFFIXES)[role]}"


def _agency_for(rng: random.Random, country: str, category: str) -> str:
    mine = [a for a in AGENCIES if a.country == country]
    focused = [a for a in mine if category in KIND_FOCUS[a.kind]]
    return rng.choice(focused or mine).code


def _compose(
    rng: random.Random,
    *,
    anchor: dt.datetime,
    origin: str,
    corridor: Corridor,
    site: Site,
    category: str,
    tlp: Tlp,
    agency: str,
    rel_to: tuple[str, ...] = (),
    recipients: tuple[str, ...] = (),
) -> PlannedReport:
    text = TEXTS[category]
    partner = rng.choice([c for c in corridor.countries if c != origin])
    occurred = anchor - dt.timedelta(days=rng.randint(1, 730), seconds=rng.randint(0, 86_399))
    values = {
        "place": site.places[origin],
        "sector": site.sector,
        "partner": IN_PROSE[partner],
        "qty": f"{rng.randint(*text.quantity):,}",
        "when": f"{occurred.day} {occurred:%B %Y}",
    }
    fitting = [
        s
        for s in text.scenarios
        if (not s.where or origin in s.where)
        and (site.water or not s.water)
        and (site.road or not s.road)
    ]
    scenario = rng.choice(fitting or text.scenarios)
    situation = scenario.situation.format(**values)
    observations = [*rng.sample(scenario.details, 2), rng.choice(text.details)]
    body = (
        f"{situation}\n\n"
        "**Key observations**\n\n"
        + "".join(f"- {line.format(**values)}\n" for line in observations)
        + f"\n**Assessment.** {rng.choice(text.assessments)}\n\n"
        f"**Requested action.** {rng.choice(ACTIONS)}\n"
    )
    kinds = rng.sample(text.indicator_types, rng.randint(1, 4))
    indicators = tuple(
        (str(kind), _indicator(rng, kind, rng.choice((origin, partner)), site.routes))
        for kind in kinds
    )
    # Small jitter so markers spread around the crossing instead of stacking on one point.
    lat = Decimal(f"{site.lat + rng.uniform(-0.03, 0.03):.5f}")
    lon = Decimal(f"{site.lon + rng.uniform(-0.03, 0.03):.5f}")
    fields: dict[str, Any] = {
        "title": scenario.title.format(**values),
        "summary": situation,
        "body": body,
        "tlp": tlp,
        "handling_code": HandlingCode.H3 if tlp == Tlp.RED else _weighted(rng, HANDLING_WEIGHTS),
        "source_reliability": _weighted(rng, RELIABILITY_WEIGHTS),
        "information_credibility": _weighted(rng, CREDIBILITY_WEIGHTS),
        "priority": _weighted(rng, PRIORITY_WEIGHTS),
        "occurred_at": occurred,
        "latitude": lat,
        "longitude": lon,
        "place": site.places[origin],
        "border_sector": f"{site.sector} ({'–'.join(corridor.countries)})",
    }
    role = Role.SUPERVISOR if rng.random() < 0.25 else Role.ANALYST
    return PlannedReport(
        agency=agency,
        author=username_for(agency, role),
        category=category,
        fields=fields,
        rel_to=rel_to,
        recipients=recipients,
        indicators=indicators,
    )


def _corridor(a: str, b: str) -> Corridor:
    return next(c for c in CORRIDORS if set(c.countries) == {a, b})


def _site(corridor: Corridor, sector_prefix: str) -> Site:
    return next(s for s in corridor.sites if s.sector.startswith(sector_prefix))


def _showcase() -> list[dict[str, Any]]:
    """Fixed reports that make each sharing rule visible whatever --reports is."""
    co_pe, co_ec, ec_pe = _corridor("CO", "PE"), _corridor("CO", "EC"), _corridor("EC", "PE")
    us_ca, ke_tz, fr_it, br_co = (
        _corridor("US", "CA"),
        _corridor("KE", "TZ"),
        _corridor("FR", "IT"),
        _corridor("BR", "CO"),
    )
    cases: list[dict[str, Any]] = [
        # Under the CO–PE protocol: arms at TLP:GREEN reach Peru...
        dict(origin="CO", corridor=co_pe, site=_site(co_pe, "Putumayo river, Puerto"),
             category="arms-trafficking", tlp=Tlp.GREEN, agency="co-policia"),
        # ...drugs do not (category not covered), though Ecuador receives them.
        dict(origin="CO", corridor=co_pe, site=_site(co_pe, "Amazon"),
             category="drug-trafficking", tlp=Tlp.GREEN, agency="co-policia"),
        # ...nor arms at TLP:AMBER (above the protocol's highest marking).
        dict(origin="CO", corridor=co_ec, site=_site(co_ec, "Rumichaca"),
             category="arms-trafficking", tlp=Tlp.AMBER, agency="co-dian"),
        # TLP:CLEAR reaches every agency, even in the country without agreements.
        dict(origin="US", corridor=us_ca, site=_site(us_ca, "Blaine"),
             category="document-fraud", tlp=Tlp.CLEAR, agency="us-cbp"),
        # Peru would receive this under the EC–PE arrangement, but it is suspended.
        dict(origin="EC", corridor=ec_pe, site=_site(ec_pe, "Huaquillas"),
             category="migrant-smuggling", tlp=Tlp.GREEN, agency="ec-policia"),
        # TLP:RED goes to the named recipient agency only.
        dict(origin="KE", corridor=ke_tz, site=_site(ke_tz, "Namanga"),
             category="wildlife-poaching", tlp=Tlp.RED, agency="ke-kws",
             recipients=("tz-tawa",)),
        # REL TO narrows a multilateral agreement to one partner.
        dict(origin="FR", corridor=fr_it, site=_site(fr_it, "Menton"),
             category="migrant-smuggling", tlp=Tlp.AMBER, agency="fr-paf", rel_to=("IT",)),
        # Without an agreement, only the originator's own country sees it.
        dict(origin="BR", corridor=br_co, site=_site(br_co, "Tabatinga"),
             category="drug-trafficking", tlp=Tlp.GREEN, agency="br-pf"),
    ]  # fmt: skip
    return cases


def _random_report(rng: random.Random, anchor: dt.datetime) -> PlannedReport:
    origin = _weighted(rng, list(COUNTRY_WEIGHTS.items()))
    corridor = rng.choice([c for c in CORRIDORS if origin in c.countries])
    site = rng.choice(corridor.sites)
    neighbours = [c for c in corridor.countries if c != origin]
    covered = sorted(_covered(origin, neighbours) & set(corridor.categories))
    # Mostly what the agreements cover; the rest shows what stays at home.
    if covered and rng.random() < 0.8:
        category = _pick_category(rng, covered)
    else:
        category = _pick_category(rng, corridor.categories)
    agency = _agency_for(rng, origin, category)
    tlp = _weighted(rng, TLP_WEIGHTS)
    recipients: tuple[str, ...] = ()
    rel_to: tuple[str, ...] = ()
    partners = _partners(origin, active_only=False)
    if tlp >= Tlp.AMBER_STRICT:
        # Named recipients come from partner countries, preferably across this border.
        nearby = sorted(partners & set(neighbours)) or sorted(partners)
        pool = [a.code for a in AGENCIES if a.country in nearby]
        if pool:
            recipients = tuple(sorted(rng.sample(pool, min(len(pool), rng.randint(1, 2)))))
        else:
            tlp = Tlp.AMBER
    active = _partners(origin, active_only=True)
    across = sorted(active & set(neighbours))
    # REL TO only means something where the originator has more than one partner to narrow.
    if tlp in (Tlp.GREEN, Tlp.AMBER) and len(active) > 1 and across and rng.random() < 0.15:
        rel_to = (rng.choice(across),)
    return _compose(
        rng,
        anchor=anchor,
        origin=origin,
        corridor=corridor,
        site=site,
        category=category,
        tlp=tlp,
        agency=agency,
        rel_to=rel_to,
        recipients=recipients,
    )


def _distinct(make: Callable[[], PlannedReport], seen: dict[tuple[str, str], int]) -> PlannedReport:
    """A report whose title is new for its agency: titles are the natural key of demo reports."""
    for _ in range(TITLE_RETRIES):
        item = make()
        if item.key not in seen:
            break
    n = seen[item.key] = seen.get(item.key, 0) + 1
    if n > 1:
        title = f"{item.fields['title']} (follow-up {n - 1})"
        item = replace(item, fields={**item.fields, "title": title})
    return item


# Every so many reports of the plan, one stays a draft, one is edited once after publication
# (two versions) and one is retracted; at offsets that miss the fixed showcase reports.
DRAFT_EVERY, DRAFT_AT = 60, 12
REVISED_EVERY, REVISED_AT = 25, 11
RETRACTED_EVERY, RETRACTED_AT = 100, 42
HISTORY_DAYS = 365
RETRACTION_REASON = (
    "Withdrawn by the originator: the source recanted and the sighting could not be confirmed."
)


def _life(
    rng: random.Random, item: PlannedReport, index: int, anchor: dt.datetime
) -> PlannedReport:
    """When the report was published over the last year (recent months busier), and what
    happened to it since: nothing, an edit, a retraction; or it is still a draft."""
    if index % DRAFT_EVERY == DRAFT_AT:
        return item
    days = HISTORY_DAYS * (1 - rng.random() ** 0.7)
    published = anchor - dt.timedelta(days=days, seconds=rng.randint(0, 86_399))
    later = published + min(dt.timedelta(days=rng.randint(1, 6)), (anchor - published) / 2)
    item = replace(item, published_at=published)
    if index % RETRACTED_EVERY == RETRACTED_AT:
        return replace(item, retracted=(later, RETRACTION_REASON))
    if index % REVISED_EVERY == REVISED_AT:
        priority = min(int(item.fields["priority"]) + 1, max(Priority.values))
        update = rng.choice(UPDATES)
        changes = {
            "priority": priority,
            "summary": f"{item.fields['summary']} Update: {update}",
            "body": f"{item.fields['body']}\n**Update.** {update}\n",
        }
        return replace(item, revision=Revision(at=later, changes=changes, note=update))
    return item


UPDATES = (
    "A second source confirmed the sighting; priority raised.",
    "The vehicle was seen again at the same crossing two days later.",
    "Partner checks found the phone number in an earlier case.",
    "Laboratory results confirmed the substance.",
)


def build_plan(count: int, today: dt.date) -> list[PlannedReport]:
    """The first `count` demo reports; a larger count extends a smaller one's list."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not secrets
    anchor = dt.datetime.combine(today, dt.time.min, tzinfo=dt.UTC)
    cases = _showcase()
    seen: dict[tuple[str, str], int] = {}
    plan: list[PlannedReport] = []
    while len(plan) < count:
        index = len(plan)
        make = (
            partial(_compose, rng, anchor=anchor, **cases[index])
            if index < len(cases)
            else partial(_random_report, rng, anchor)
        )
        plan.append(_life(rng, _distinct(make, seen), index, anchor))
    return plan
