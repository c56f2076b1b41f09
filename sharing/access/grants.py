"""Writing one report's audience: guardian grants and Dissemination rows, in its transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Agency, Country
from sharing.access.rules import AgreementTerms, Recipient, ReportFacts, compute_audience
from sharing.constants import EVERY_AGENCY_GROUP
from sharing.models import (
    Agreement,
    AgreementParty,
    Dissemination,
    Report,
    ReportGroupObjectPermission,
    ReportState,
)
from sharing.models.positions import CurrentTransaction

# --------------------------------------------------------------------------------------------
# Loading and locking


def _require_transaction(what: str) -> None:
    # Grants and their Dissemination rows must commit with the change that caused them.
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{what} must run inside the transaction of the change")


def every_agency_group() -> Group:
    group, _ = Group.objects.get_or_create(name=EVERY_AGENCY_GROUP)
    return group


def view_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="sharing", codename="view_report")


def agreements_of(country_id: int, *, lock: bool) -> list[AgreementTerms]:
    """Every agreement the country is party to, read after taking share locks when asked.

    The share lock makes a publish wait for a concurrent suspension (which holds the row
    exclusively) and then read the agreement's new state, so a grant computed alongside a
    suspension can never resurrect access.
    """
    if lock:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.id FROM sharing_agreement a WHERE EXISTS (SELECT 1"
                " FROM sharing_agreementparty p"
                " WHERE p.agreement_id = a.id AND p.country_id = %(country)s)"
                " ORDER BY a.id FOR SHARE",
                {"country": country_id},
            )
    agreements = Agreement.objects.filter(parties=country_id).prefetch_related(
        "parties", "categories"
    )
    return [AgreementTerms.of(agreement) for agreement in agreements]


def _groups_for(recipients: Iterable[Recipient]) -> dict[Recipient, int]:
    """The group holding each recipient's grant: agreement shares go to the party's group."""
    recipients = list(recipients)
    shared = [r for r in recipients if r.agreement_id]
    country_ids = {r.country_id for r in recipients if r.country_id and not r.agreement_id}
    agency_ids = {r.agency_id for r in recipients if r.agency_id}
    country_groups = dict(Country.objects.filter(id__in=country_ids).values_list("id", "group_id"))
    agency_groups = dict(Agency.objects.filter(id__in=agency_ids).values_list("id", "group_id"))
    party_groups: dict[tuple[int, int | None], int] = {
        (agreement, country): group
        for agreement, country, group in AgreementParty.objects.filter(
            agreement_id__in={r.agreement_id for r in shared}
        ).values_list("agreement_id", "country_id", "group_id")
    }
    every = every_agency_group().pk if any(r.basis == "tlp_clear" for r in recipients) else None
    groups: dict[Recipient, int] = {}
    for r in recipients:
        if r.agreement_id:
            groups[r] = party_groups[r.agreement_id, r.country_id]
        elif r.agency_id:
            groups[r] = agency_groups[r.agency_id]
        elif r.country_id:
            groups[r] = country_groups[r.country_id]
        elif every is not None:
            groups[r] = every
    return groups


def _recipient_of(row: Dissemination) -> Recipient:
    return Recipient(
        basis=row.basis,
        country_id=row.recipient_country_id,
        agency_id=row.recipient_agency_id,
        agreement_id=row.agreement_id,
        access_request_id=row.access_request_id,
        forwarded_by_id=row.forwarded_by_id,
    )


# --------------------------------------------------------------------------------------------
# Writing one report's audience


@dataclass(frozen=True)
class AudienceChange:
    granted: list[Recipient]
    revoked: list[Recipient]


def _delete_orphan_grants(report_id: int, group_ids: Iterable[int], permission_id: int) -> None:
    """Remove grants no live Dissemination row backs any more."""
    live = Dissemination.objects.filter(report_id=report_id, revoked_at__isnull=True)
    ReportGroupObjectPermission.objects.filter(
        content_object_id=report_id, permission_id=permission_id, group_id__in=list(group_ids)
    ).exclude(group_id__in=live.values("group_id")).delete()


def apply_audience(
    report: Report, audience: set[Recipient], *, now: dt.datetime, reason: str
) -> AudienceChange:
    """Make the live grants and Dissemination rows of `report` equal `audience`."""
    live_rows = {_recipient_of(row): row for row in report.disseminations.filter(revoked_at=None)}
    to_grant = sorted(audience - live_rows.keys(), key=repr)
    to_revoke = sorted(live_rows.keys() - audience, key=repr)
    permission = view_permission()
    groups = _groups_for(to_grant)
    listed_at = report.published_at if report.state == ReportState.PUBLISHED else None
    if to_grant:
        Dissemination.objects.bulk_create(
            Dissemination(
                report=report,
                group_id=groups[r],
                recipient_country_id=r.country_id,
                recipient_agency_id=r.agency_id,
                basis=r.basis,
                agreement_id=r.agreement_id,
                access_request_id=r.access_request_id,
                forwarded_by_id=r.forwarded_by_id,
                granted_at=now,
                published_at=listed_at if r.agreement_id else None,
            )
            for r in to_grant
        )
        ReportGroupObjectPermission.objects.bulk_create(
            [
                ReportGroupObjectPermission(
                    content_object=report,
                    permission=permission,
                    group_id=group_id,
                    published_at=listed_at,
                )
                for group_id in set(groups.values())
            ],
            ignore_conflicts=True,
        )
    if to_revoke:
        rows = [live_rows[r] for r in to_revoke]
        Dissemination.objects.filter(id__in=[row.pk for row in rows]).update(
            revoked_at=now, revoke_reason=reason[:200], revoked_xid=CurrentTransaction()
        )
        _delete_orphan_grants(report.pk, {row.group_id for row in rows}, permission.pk)
    # Grants kept from before (the originator's draft grant, say) follow publication and
    # retraction, so list pages read from the grants see the report exactly while published;
    # and every grant takes this transaction's position (see mark_changed).
    ReportGroupObjectPermission.objects.filter(content_object_id=report.pk).update(
        published_at=listed_at, feed_xid=CurrentTransaction()
    )
    return AudienceChange(granted=to_grant, revoked=to_revoke)


def mark_changed(report_id: int) -> None:
    """Tell feeds the report changed for everyone who sees it: its grants take this transaction.

    apply_audience does the same for every change of a report or of its audience; this is for
    changes that leave the audience alone (indicators added). Every grant of a report carries
    the position of its last change, so a principal holding it through several groups reads
    it once (sharing.feeds).
    """
    ReportGroupObjectPermission.objects.filter(content_object_id=report_id).update(
        feed_xid=CurrentTransaction()
    )


def disseminate(
    report: Report,
    *,
    reason: str,
    now: dt.datetime | None = None,
    facts: ReportFacts | None = None,
) -> AudienceChange:
    """Recompute and write a report's audience; call inside the transaction that changed it."""
    _require_transaction("disseminate()")
    now = now or timezone.now()
    agreements = agreements_of(report.originator_country_id, lock=True)
    facts = facts or ReportFacts.of(report)
    audience = compute_audience(facts, agreements, timezone.localdate(now))
    return apply_audience(report, audience, now=now, reason=reason)


def preview_audience(
    report: Report,
    *,
    rel_to: Iterable[int] | None = None,
    recipient_ids: Iterable[int] | None = None,
    today: dt.date | None = None,
) -> set[Recipient]:
    """The exact audience the report would have if published now (nothing is written).

    The report may be unsaved, or hold unsaved changes (the editor's form): its fields are read
    as they are in memory; `rel_to` (country ids) and `recipient_ids` (agency ids) stand in for
    the stored ones when given.
    """
    now = timezone.now()
    facts = ReportFacts.of(report)
    if rel_to is not None:
        facts = dataclasses.replace(facts, rel_to=frozenset(rel_to))
    if recipient_ids is not None:
        facts = dataclasses.replace(facts, recipient_agency_ids=frozenset(recipient_ids))
    if facts.state == ReportState.DRAFT:
        facts = dataclasses.replace(facts, state=ReportState.PUBLISHED, published_at=now)
    agreements = agreements_of(report.originator_country_id, lock=False)
    return compute_audience(facts, agreements, today or timezone.localdate(now))
