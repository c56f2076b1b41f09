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

# The obvious ones: addresses that are never evidence, and words people type into values.
# The stop-list a new installation starts with (sharing.search.common): (type or "", value, note).
COMMON_VALUES: list[tuple[str, str, str]] = [
    ("ip", "10.0.0.0/8", "private network (RFC 1918)"),
    ("ip", "172.16.0.0/12", "private network (RFC 1918)"),
    ("ip", "192.168.0.0/16", "private network (RFC 1918)"),
    ("ip", "127.0.0.0/8", "loopback"),
    ("ip", "169.254.0.0/16", "link-local"),
    ("ip", "100.64.0.0/10", "carrier-grade NAT (RFC 6598)"),
    ("ip", "0.0.0.0/8", "this network"),
    ("ip", "::1/128", "loopback"),
    ("ip", "fc00::/7", "unique local (IPv6)"),
    ("ip", "fe80::/10", "link-local (IPv6)"),
    ("domain", "localhost", "not a real domain"),
    ("domain", "example.com", "documentation domain (RFC 2606)"),
    ("domain", "example.org", "documentation domain (RFC 2606)"),
    ("domain", "example.net", "documentation domain (RFC 2606)"),
    *(
        ("", word, "placeholder")
        for word in ("unknown", "n/a", "na", "none", "null", "nil", "-", "?", "0", "test", "xxx")
    ),
    *(("", f"desconocido{s}", "placeholder (es)") for s in ("", "s")),
    *(("", word, "placeholder (fr)") for word in ("inconnu", "néant")),
    *(
        ("", word, "marking word")
        for word in (
            "tlp:clear",
            "tlp:white",
            "tlp:green",
            "tlp:amber",
            "tlp:amber+strict",
            "tlp:red",
            "clear",
            "white",
            "green",
            "amber",
            "amber+strict",
            "red",
            "h0",
            "h1",
            "h2",
            "h3",
        )
    ),
]
