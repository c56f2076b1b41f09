"""Names shared by migrations, services and seed data."""

from django.utils.translation import gettext_noop

# Every member of an active agency belongs to this group; TLP:CLEAR reports are granted to it.
EVERY_AGENCY_GROUP = "agencies:all"

# Category names are stored in English and translated where shown ({% translate category.name %}):
# gettext_noop puts these reference names in the catalogues.
CATEGORIES: list[tuple[str, str, str]] = [
    (
        "drug-trafficking",
        gettext_noop("Drug trafficking"),
        "Production, transport and sale of controlled drugs.",
    ),
    (
        "arms-trafficking",
        gettext_noop("Arms trafficking"),
        "Illicit trade in firearms, parts and ammunition.",
    ),
    (
        "human-trafficking",
        gettext_noop("Human trafficking"),
        "Recruitment and exploitation of people.",
    ),
    (
        "migrant-smuggling",
        gettext_noop("Migrant smuggling"),
        "Facilitated irregular border crossing for profit.",
    ),
    (
        "smuggling",
        gettext_noop("Smuggling of goods"),
        "Contraband, fuel, tobacco and excise goods.",
    ),
    ("terrorism", gettext_noop("Terrorism"), "Terrorist travel, financing and logistics."),
    ("cybercrime", gettext_noop("Cybercrime"), "Fraud, intrusion and illicit online markets."),
    (
        "wildlife-poaching",
        gettext_noop("Wildlife poaching"),
        "Poaching and trafficking of protected species.",
    ),
    (
        "document-fraud",
        gettext_noop("Document fraud"),
        "Forged, altered or fraudulently obtained documents.",
    ),
]
