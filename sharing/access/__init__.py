"""Need-to-know: who may see which report, and why; the only user of guardian's tables.

- `principals`: who is asking, resolved once per request to the groups whose grants it sees;
- `queries`: the SQL behind `Report.objects.visible_to()` and `newest_visible()`;
- `rules`: the audience of one report as pure functions (`compute_audience`);
- `grants`: writing one report's audience (guardian grants + Dissemination rows);
- `qualifying`: the agreement rule as one SQL statement (sync, settlement and queries use it);
- `sync`: set-based recomputation of every report under an agreement in force (amendments);
- `settlement`: the record after an agreement came into force or left it, in the background;
- `explain`: why a country or agency can or cannot see a report;
- `backend`: Django's `has_perm` on a report, the answer of `visible_to`.
"""

from sharing.access.backend import may_view
from sharing.access.explain import Explanation, Reason, explain_visibility
from sharing.access.grants import (
    AudienceChange,
    agreements_of,
    apply_audience,
    disseminate,
    every_agency_group,
    mark_changed,
    preview_audience,
    view_permission,
)
from sharing.access.principals import Principal, forget, resolve
from sharing.access.queries import category_counts
from sharing.access.rules import (
    AgreementTerms,
    Denial,
    Recipient,
    ReportFacts,
    access_request_denial,
    agreement_denial,
    compute_audience,
    forward_denial,
)
from sharing.access.settlement import (
    Settlement,
    lock_agreement_settlement,
    settle_agreement,
    settle_report,
    unsettled_agreement_ids,
)
from sharing.access.sync import Progress, SyncResult, sync_agreement

__all__ = [
    "AgreementTerms",
    "AudienceChange",
    "Denial",
    "Explanation",
    "Principal",
    "Progress",
    "Reason",
    "Recipient",
    "ReportFacts",
    "Settlement",
    "SyncResult",
    "access_request_denial",
    "agreement_denial",
    "agreements_of",
    "apply_audience",
    "category_counts",
    "compute_audience",
    "disseminate",
    "every_agency_group",
    "explain_visibility",
    "forget",
    "forward_denial",
    "lock_agreement_settlement",
    "mark_changed",
    "may_view",
    "preview_audience",
    "resolve",
    "settle_agreement",
    "settle_report",
    "sync_agreement",
    "unsettled_agreement_ids",
    "view_permission",
]
