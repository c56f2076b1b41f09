"""Names shared by migrations, services and seed data."""

# Every member of an active agency belongs to this group; TLP:CLEAR reports are granted to it.
EVERY_AGENCY_GROUP = "agencies:all"

CATEGORIES: list[tuple[str, str, str]] = [
    ("drug-trafficking", "Drug trafficking", "Production, transport and sale of controlled drugs."),
    ("arms-trafficking", "Arms trafficking", "Illicit trade in firearms, parts and ammunition."),
    ("human-trafficking", "Human trafficking", "Recruitment and exploitation of people."),
    ("migrant-smuggling", "Migrant smuggling", "Facilitated irregular border crossing for profit."),
    ("smuggling", "Smuggling of goods", "Contraband, fuel, tobacco and excise goods."),
    ("terrorism", "Terrorism", "Terrorist travel, financing and logistics."),
    ("cybercrime", "Cybercrime", "Fraud, intrusion and illicit online markets."),
    ("wildlife-poaching", "Wildlife poaching", "Poaching and trafficking of protected species."),
    ("document-fraud", "Document fraud", "Forged, altered or fraudulently obtained documents."),
]
