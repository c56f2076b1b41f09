"""Access requests from a hit/no-hit answer: asked of the holder without naming its report."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Country, User
from sharing import audit
from sharing.audit import SYSTEM, RequestContext
from sharing.models import AccessRequest, AccessRequestState, AuditAction, Indicator, Priority
from sharing.search.lookup import lookup, partner_countries

MAX_JUSTIFICATION = 2000


def _response_due(now: dt.datetime) -> dt.datetime:
    """When the holder should answer: Prüm II asks core data within 48 hours of a match."""
    return now + dt.timedelta(hours=settings.ACCESS_REQUEST_RESPONSE_HOURS)


@transaction.atomic
def request_access_for_value(
    *,
    actor: User,
    value: str,
    kind: str,
    country: Country,
    justification: str,
    urgency: int = Priority.ROUTINE,
    context: RequestContext = SYSTEM,
) -> list[AccessRequest]:
    """Ask the agencies of `country` holding `value` for the reports the actor's agency cannot see.

    The value is looked up again, as the actor would see it now: only a country that shares
    an agreement in force with the actor's may be asked, and only about reports the actor's
    agency cannot see. One request per report, to its originator agency; the requester is
    told how many were sent, never which reports.
    """
    agency = actor.agency
    if agency is None or not agency.is_active:
        raise PermissionDenied("You are not a member of an active agency.")
    justification = justification.strip()
    if not justification:
        raise ValidationError({"justification": _("Say why your agency needs it.")})
    if len(justification) > MAX_JUSTIFICATION:
        raise ValidationError({"justification": _("Keep the reason under 2,000 characters.")})
    if urgency not in Priority.values:
        raise ValidationError({"urgency": _("Choose an urgency from the list.")})
    if country.pk not in partner_countries(actor):
        # Said the same way as "nothing held": asking must not tell what a lookup would not.
        raise ValidationError(_("No report held there matches this value."))
    (answer,) = lookup(actor, [value.strip()], kind).answers
    report_ids = answer.hidden_ids.get(country.pk, set())
    if not report_ids:
        raise ValidationError(_("No report held there matches this value."))
    now = timezone.now()
    pairs = set(answer.matched)
    matching: dict[int, Indicator] = {}
    for indicator in Indicator.objects.filter(report_id__in=report_ids).order_by("pk"):
        if (indicator.type, indicator.normalized) in pairs:
            matching.setdefault(indicator.report_id, indicator)
    created = []
    for report_id in sorted(report_ids):
        request, new = AccessRequest.objects.get_or_create(
            report_id=report_id,
            requesting_agency=agency,
            state=AccessRequestState.PENDING,
            defaults={
                "requested_by": actor,
                "justification": justification,
                "asked_value": value.strip()[:500],
                "indicator": matching.get(report_id),
                "urgency": urgency,
                "due_at": _response_due(now),
            },
        )
        if new:
            created.append(request)
    if not created:
        raise ValidationError(_("Your agency has already asked for these; the holder will answer."))
    audit.record(
        actor,
        AuditAction.ACCESS_REQUESTED,
        [request.report for request in created],
        context=context,
        justification=justification,
        recipients=sorted({f"agency:{r.report.originator_agency.code}" for r in created}),
        details={
            "country": country.code,
            "digests": answer.digests(),
            "urgency": urgency,
            "requests": len(created),
        },
    )
    return created
