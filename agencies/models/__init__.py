"""Models of the agencies app."""

from agencies.models.organisations import Agency, AgencyKind, Country, Membership, Role, User
from agencies.models.partners import PartnerAPIKey, PartnerSystem, Scope

__all__ = [
    "Agency",
    "AgencyKind",
    "Country",
    "Membership",
    "PartnerAPIKey",
    "PartnerSystem",
    "Role",
    "Scope",
    "User",
]
