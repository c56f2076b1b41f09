"""Every write of the sharing app: views, API, admin, commands and tasks call these."""

from sharing.services.access_requests import request_access_for_value
from sharing.services.agreements import (
    CHANGES,
    activate_agreement,
    allowed_changes,
    amend_agreement,
    apply_agreement_calendar,
    apply_change,
    create_agreement,
    reactivate_agreement,
    settle_agreement,
    suspend_agreement,
    terminate_agreement,
)
from sharing.services.attachments import add_attachment, check_upload
from sharing.services.categories import change_category, create_category
from sharing.services.exports import ExportTooLarge, export_reports
from sharing.services.reports import (
    add_indicators,
    create_report,
    decide_access_request,
    edit_report,
    forward_report,
    may_change,
    publish_report,
    request_access,
    retract_report,
)
from sharing.services.search import (
    add_common_value,
    delete_saved_search,
    remove_common_value,
    save_search,
)
from sharing.services.subscriptions import (
    change_subscription,
    create_subscription,
    delete_subscription,
)

__all__ = [
    "CHANGES",
    "ExportTooLarge",
    "activate_agreement",
    "add_common_value",
    "add_attachment",
    "add_indicators",
    "allowed_changes",
    "amend_agreement",
    "apply_agreement_calendar",
    "apply_change",
    "change_category",
    "change_subscription",
    "check_upload",
    "create_agreement",
    "create_category",
    "create_report",
    "create_subscription",
    "decide_access_request",
    "delete_saved_search",
    "delete_subscription",
    "edit_report",
    "export_reports",
    "forward_report",
    "may_change",
    "publish_report",
    "reactivate_agreement",
    "remove_common_value",
    "request_access",
    "request_access_for_value",
    "retract_report",
    "save_search",
    "settle_agreement",
    "suspend_agreement",
    "terminate_agreement",
]
