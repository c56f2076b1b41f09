"""Models of the sharing app."""

from sharing.alerts.models import (
    Alert,
    AlertDelivery,
    AlertEvent,
    Channel,
    DeliveryState,
    EmailMode,
    Subscription,
)
from sharing.audit.models import AuditAction, AuditChannel, AuditEvent, AuditOutcome
from sharing.models.agreements import Agreement, AgreementChange, AgreementParty, AgreementState
from sharing.models.dissemination import (
    AccessRequest,
    AccessRequestState,
    Dissemination,
    DisseminationBasis,
)
from sharing.models.reports import (
    Attachment,
    Indicator,
    IndicatorType,
    Report,
    ReportGroupObjectPermission,
    ReportState,
    ReportVersion,
)
from sharing.models.search import CommonValue, SavedSearch
from sharing.models.taxonomy import (
    COUNTRY_TLP_CEILING,
    NO_ONWARD_DISSEMINATION,
    Category,
    ContentLanguage,
    HandlingCode,
    InformationCredibility,
    Priority,
    SourceReliability,
    Tlp,
)

__all__ = [
    "COUNTRY_TLP_CEILING",
    "NO_ONWARD_DISSEMINATION",
    "AccessRequest",
    "AccessRequestState",
    "Agreement",
    "AgreementChange",
    "AgreementParty",
    "AgreementState",
    "Alert",
    "AlertDelivery",
    "AlertEvent",
    "Attachment",
    "AuditAction",
    "AuditChannel",
    "AuditEvent",
    "AuditOutcome",
    "Category",
    "ContentLanguage",
    "Channel",
    "CommonValue",
    "DeliveryState",
    "Dissemination",
    "DisseminationBasis",
    "EmailMode",
    "HandlingCode",
    "Indicator",
    "IndicatorType",
    "InformationCredibility",
    "Priority",
    "Report",
    "ReportGroupObjectPermission",
    "ReportState",
    "ReportVersion",
    "SavedSearch",
    "SourceReliability",
    "Subscription",
    "Tlp",
]
