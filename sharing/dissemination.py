"""Need-to-know: who may see a report and why; writes guardian grants and Dissemination rows.

The rules live in two forms that must agree: `compute_audience` (one report, plain Python,
used on publish/edit/retract and for previews and explanations) and the set-based SQL of
`sync_agreement` (every report under one agreement, used when an agreement changes).
The property test in tests/sharing/test_visibility_property.py holds both to one reference.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Agency, Country
from sharing.constants import EVERY_AGENCY_GROUP
from sharing.models import (
    COUNTRY_TLP_CEILING,
    NO_ONWARD_DISSEMINATION,
    AccessRequestState,
    Agreement,
    AgreementParty,
    AgreementState,
    Dissemination,
    DisseminationBasis,
    Report,
    ReportGroupObjectPermission,
    ReportState,
    Tlp,
)
from sharing.principals import in_force_party_groups

Progress = Callable[[int, int], None]
BATCH_IDS = 100_000  # report-id span per set-based statement


# --------------------------------------------------------------------------------------------
# Facts the rules read


@dataclass(frozen=True)
class AgreementTerms:
    id: int
    reference: str
    state: str
    party_ids: frozenset[int]
    category_ids: frozenset[int]
    max_tlp: int
    valid_from: dt.date
    valid_until: dt.date | None
    shares_from: dt.datetime | None
    enforced: bool

    def in_force(self, today: dt.date) -> bool:
        return (
            self.state == AgreementState.ACTIVE
            and self.enforced
            and self.valid_from <= today
            and (self.valid_until is None or today <= self.valid_until)
        )

    @classmethod
    def of(cls, agreement: Agreement) -> AgreementTerms:
        return cls(
            id=agreement.pk,
            reference=agreement.reference,
            state=agreement.state,
            party_ids=frozenset(c.pk for c in agreement.parties.all()),
            category_ids=frozenset(c.pk for c in agreement.categories.all()),
            max_tlp=agreement.max_tlp,
            valid_from=agreement.valid_from,
            valid_until=agreement.valid_until,
            shares_from=agreement.shares_from,
            enforced=agreement.enforced,
        )


@dataclass(frozen=True)
class ReportFacts:
    state: str
    tlp: int
    handling_code: str
    category_id: int
    originator_agency_id: int
    originator_country_id: int
    published_at: dt.datetime | None
    rel_to: frozenset[int]
    recipient_agency_ids: frozenset[int]
    # (agency, access request) pairs of approved requests
    access_grants: frozenset[tuple[int, int]] = frozenset()
    # (agency, agency's country, forwarding agency) of live forwards
    forwards: frozenset[tuple[int, int, int]] = frozenset()

    @classmethod
    def of(cls, report: Report, *, published_at: dt.datetime | None = None) -> ReportFacts:
        access = frozenset(
            report.access_requests.filter(state=AccessRequestState.APPROVED).values_list(
                "requesting_agency_id", "id"
            )
        )
        forwards = frozenset(
            (agency, country, by)
            for agency, country, by in report.disseminations.filter(
                basis=DisseminationBasis.FORWARDED, revoked_at__isnull=True
            ).values_list("recipient_agency_id", "recipient_agency__country_id", "forwarded_by_id")
        )
        return cls(
            state=report.state,
            tlp=report.tlp,
            handling_code=report.handling_code,
            category_id=report.category_id,
            originator_agency_id=report.originator_agency_id,
            originator_country_id=report.originator_country_id,
            published_at=published_at or report.published_at,
            rel_to=frozenset(c.pk for c in report.rel_to.all()) if report.pk else frozenset(),
            recipient_agency_ids=(
                frozenset(a.pk for a in report.recipients.all()) if report.pk else frozenset()
            ),
            access_grants=access if report.pk else frozenset(),
            forwards=forwards if report.pk else frozenset(),
        )


@dataclass(frozen=True, order=True)
class Recipient:
    """One line of an audience: a country, an agency, or every agency (both ids empty)."""

    basis: str
    country_id: int | None = None
    agency_id: int | None = None
    agreement_id: int | None = None
    access_request_id: int | None = None
    forwarded_by_id: int | None = None


class Denial(enum.Enum):
    NOT_PUBLISHED = "the report is not published"
    ORIGINATOR_NOT_PARTY = "the originator's country is not a party"
    NOT_PARTY = "the country is not a party"
    NOT_IN_FORCE = "the agreement is not in force"
    CATEGORY = "the agreement does not cover the category"
    COUNTRY_MARKING = "the marking goes to named recipient agencies only"
    MARKING = "the marking is above the agreement's maximum"
    BEFORE_SHARES_FROM = "the report predates what the agreement shares"
    REL_TO = "the country is not in REL TO"
    HANDLING = "the handling code forbids onward dissemination"
    FORWARD_MARKING = "the marking forbids sharing beyond the recipient agency"


def agreement_denial(
    facts: ReportFacts, terms: AgreementTerms, country_id: int, today: dt.date
) -> Denial | None:
    """Why `country_id` gets nothing under `terms` (None: it receives the report)."""
    if facts.state != ReportState.PUBLISHED:
        return Denial.NOT_PUBLISHED
    if facts.originator_country_id not in terms.party_ids:
        return Denial.ORIGINATOR_NOT_PARTY
    if country_id not in terms.party_ids or country_id == facts.originator_country_id:
        return Denial.NOT_PARTY
    if not terms.in_force(today):
        return Denial.NOT_IN_FORCE
    if facts.category_id not in terms.category_ids:
        return Denial.CATEGORY
    if facts.tlp > COUNTRY_TLP_CEILING:
        return Denial.COUNTRY_MARKING
    if facts.tlp > terms.max_tlp:
        return Denial.MARKING
    if terms.shares_from is None or facts.published_at is None:
        return Denial.NOT_IN_FORCE
    if facts.published_at < terms.shares_from:
        return Denial.BEFORE_SHARES_FROM
    if facts.rel_to and country_id not in facts.rel_to:
        return Denial.REL_TO
    return None


def forward_denial(facts: ReportFacts, country_id: int) -> Denial | None:
    """Why a recipient agency may not pass the report to an agency of `country_id`."""
    if facts.state != ReportState.PUBLISHED:
        return Denial.NOT_PUBLISHED
    if facts.handling_code in NO_ONWARD_DISSEMINATION:
        return Denial.HANDLING
    # TLP 2.0: AMBER and above stay within the recipient's organisation.
    if facts.tlp > Tlp.GREEN:
        return Denial.FORWARD_MARKING
    if facts.rel_to and country_id not in facts.rel_to:
        return Denial.REL_TO
    return None


def compute_audience(
    facts: ReportFacts, agreements: Iterable[AgreementTerms], today: dt.date
) -> set[Recipient]:
    """The complete audience of a report under the need-to-know rules (DESIGN.md)."""
    audience = {Recipient(DisseminationBasis.ORIGINATOR, agency_id=facts.originator_agency_id)}
    if facts.state != ReportState.PUBLISHED:
        return audience  # drafts and retracted reports stay with their originator agency
    if facts.tlp == Tlp.CLEAR:
        audience.add(Recipient(DisseminationBasis.TLP_CLEAR))
    elif facts.tlp <= COUNTRY_TLP_CEILING:
        audience.add(
            Recipient(DisseminationBasis.ORIGINATOR_COUNTRY, country_id=facts.originator_country_id)
        )
        for terms in agreements:
            for country_id in terms.party_ids:
                if agreement_denial(facts, terms, country_id, today) is None:
                    audience.add(
                        Recipient(
                            DisseminationBasis.AGREEMENT,
                            country_id=country_id,
                            agreement_id=terms.id,
                        )
                    )
    for agency_id in facts.recipient_agency_ids:
        audience.add(Recipient(DisseminationBasis.NAMED_RECIPIENT, agency_id=agency_id))
    for agency_id, request_id in facts.access_grants:
        audience.add(
            Recipient(
                DisseminationBasis.ACCESS_REQUEST, agency_id=agency_id, access_request_id=request_id
            )
        )
    for agency_id, country_id, by in facts.forwards:
        if forward_denial(facts, country_id) is None:
            audience.add(
                Recipient(DisseminationBasis.FORWARDED, agency_id=agency_id, forwarded_by_id=by)
            )
    return audience


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
                "SELECT a.id FROM sharing_agreement a WHERE EXISTS (SELECT 1 FROM"
                " sharing_agreementparty p WHERE p.agreement_id = a.id AND p.country_id = %s)"
                " ORDER BY a.id FOR SHARE",
                [country_id],
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
            revoked_at=now, revoke_reason=reason[:200]
        )
        _delete_orphan_grants(report.pk, {row.group_id for row in rows}, permission.pk)
    # Grants kept from before (the originator's draft grant, say) follow publication and
    # retraction, so list pages read from the grants see the report exactly while published.
    ReportGroupObjectPermission.objects.filter(content_object_id=report.pk).exclude(
        published_at=listed_at
    ).update(published_at=listed_at)
    return AudienceChange(granted=to_grant, revoked=to_revoke)


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


def preview_audience(report: Report, *, today: dt.date | None = None) -> set[Recipient]:
    """The exact audience the report would have if published now (nothing is written)."""
    now = timezone.now()
    facts = ReportFacts.of(report)
    if facts.state == ReportState.DRAFT:
        facts = dataclasses.replace(facts, state=ReportState.PUBLISHED, published_at=now)
    agreements = agreements_of(report.originator_country_id, lock=False)
    return compute_audience(facts, agreements, today or timezone.localdate(now))


# --------------------------------------------------------------------------------------------
# Set-based recomputation for one agreement


_QUALIFYING_SQL = """
SELECT r.id AS report_id, pp.country_id AS country_id, pp.group_id AS group_id,
       r.published_at AS published_at
FROM sharing_report r
JOIN sharing_agreementparty po
  ON po.agreement_id = %(agreement)s AND po.country_id = r.originator_country_id
JOIN sharing_agreementparty pp
  ON pp.agreement_id = %(agreement)s AND pp.country_id <> r.originator_country_id
WHERE r.state = 'published'
  AND r.id BETWEEN %(lo)s AND %(hi)s
  AND r.tlp BETWEEN 1 AND %(max_tlp)s
  AND r.published_at >= %(shares_from)s
  AND r.category_id IN (
      SELECT category_id FROM sharing_agreement_categories WHERE agreement_id = %(agreement)s)
  AND (NOT EXISTS (SELECT 1 FROM sharing_report_rel_to x WHERE x.report_id = r.id)
       OR EXISTS (SELECT 1 FROM sharing_report_rel_to x
                  WHERE x.report_id = r.id AND x.country_id = pp.country_id))
"""

_GRANT_SQL = f"""
WITH q AS MATERIALIZED ({_QUALIFYING_SQL}),
d AS (
  INSERT INTO sharing_dissemination
      (report_id, group_id, recipient_country_id, basis, agreement_id, granted_at,
       published_at, revoke_reason)
  SELECT report_id, group_id, country_id, 'agreement', %(agreement)s, %(now)s, published_at, ''
  FROM q
  ON CONFLICT DO NOTHING
  RETURNING 1
),
p AS (
  INSERT INTO sharing_reportgroupobjectpermission
      (permission_id, group_id, content_object_id, published_at)
  SELECT %(permission)s, group_id, report_id, published_at FROM q
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM p)
"""  # noqa: S608 - fixed SQL, values are parameters

# Amendments: the live rows of a report-id range that no longer qualify, and their grants
# (a party's group holds grants of its agreement only, so no other basis can need them).
_STALE_ROWS_SQL = f"""
SELECT l.id FROM sharing_dissemination l
WHERE l.agreement_id = %(agreement)s AND l.revoked_at IS NULL
  AND l.report_id BETWEEN %(lo)s AND %(hi)s
  AND NOT EXISTS (SELECT 1 FROM ({_QUALIFYING_SQL}) q
                  WHERE q.report_id = l.report_id AND q.country_id = l.recipient_country_id)
"""  # noqa: S608 - fixed SQL, values are parameters
_REVOKE_STALE_SQL = f"""
WITH v AS (
  UPDATE sharing_dissemination d SET revoked_at = %(now)s, revoke_reason = %(reason)s
  WHERE d.id IN ({_STALE_ROWS_SQL})
  RETURNING d.report_id, d.group_id
),
p AS (
  DELETE FROM sharing_reportgroupobjectpermission g USING v
  WHERE g.content_object_id = v.report_id AND g.group_id = v.group_id
    AND g.permission_id = %(permission)s
  RETURNING 1
)
SELECT (SELECT count(*) FROM v), (SELECT count(*) FROM p)
"""  # noqa: S608 - fixed SQL, values are parameters


@dataclass
class SyncResult:
    granted: int = 0  # Dissemination rows written
    revoked: int = 0  # Dissemination rows revoked
    grants_added: int = 0  # guardian rows inserted
    grants_removed: int = 0  # guardian rows deleted


def _id_batches(lo: int | None, hi: int | None) -> list[tuple[int, int]]:
    if lo is None or hi is None:
        return []
    return [(start, min(start + BATCH_IDS - 1, hi)) for start in range(lo, hi + 1, BATCH_IDS)]


def sync_agreement(
    agreement: Agreement,
    *,
    reason: str,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> SyncResult:
    """Grant every report qualifying under an agreement in force, revoke what no longer does.

    Set-based, in report-id batches. The caller holds the agreement's row lock (see
    services), so concurrent publishes see either the old or the new terms whole, and has
    settled what an earlier end of enforcement left (`settle_agreement`).
    """
    _require_transaction("sync_agreement()")
    now = now or timezone.now()
    terms = AgreementTerms.of(agreement)
    if not terms.in_force(timezone.localdate(now)):
        raise ValueError(f"agreement {terms.reference} is not in force; settle it instead")
    params: dict[str, Any] = {
        "agreement": agreement.pk,
        "permission": view_permission().pk,
        "now": now,
        "reason": reason[:200],
        "max_tlp": min(terms.max_tlp, COUNTRY_TLP_CEILING),
        "shares_from": terms.shares_from,
    }
    live = Dissemination.objects.filter(agreement=agreement, revoked_at__isnull=True).exists()
    result = SyncResult()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), max(id) FROM sharing_report WHERE originator_country_id IN"
            " (SELECT country_id FROM sharing_agreementparty WHERE agreement_id = %s)",
            [agreement.pk],
        )
        lo, hi = cursor.fetchone() or (None, None)
        batches = _id_batches(lo, hi)
        for done, (start, end) in enumerate(batches, start=1):
            batch = {**params, "lo": start, "hi": end}
            if live:
                cursor.execute(_REVOKE_STALE_SQL, batch)
                revoked, removed = cursor.fetchone()
                result.revoked += revoked
                result.grants_removed += removed
            cursor.execute(_GRANT_SQL, batch)
            granted, added = cursor.fetchone()
            result.granted += granted
            result.grants_added += added
            if progress:
                progress(done, len(batches))
    return result


# --------------------------------------------------------------------------------------------
# Settling an agreement that stopped being in force

SETTLE_BATCH = 25_000  # rows per statement and per transaction when settling in the background
_LOCK_NAMESPACE = 0x42_49_58  # first key of the per-agreement advisory lock

# Rows addressed by physical location: `id IN (…)` made the planner hash-join a full scan of
# the table; the partial index dissem_live_by_agreement yields the addresses directly.
_SETTLE_RECORDS_SQL = """
UPDATE sharing_dissemination d
SET revoked_at = greatest(%(since)s, d.granted_at), revoke_reason = %(reason)s
WHERE d.ctid = ANY(ARRAY(SELECT ctid FROM sharing_dissemination
                         WHERE agreement_id = %(agreement)s AND revoked_at IS NULL
                         LIMIT %(batch)s))
  AND d.agreement_id = %(agreement)s AND d.revoked_at IS NULL
"""
_SETTLE_GRANTS_SQL = """
DELETE FROM sharing_reportgroupobjectpermission g
WHERE g.ctid = ANY(ARRAY(SELECT ctid FROM sharing_reportgroupobjectpermission
                         WHERE group_id = ANY(%(groups)s) AND permission_id = %(permission)s
                         LIMIT %(batch)s))
  AND g.group_id = ANY(%(groups)s)
"""


def lock_agreement_settlement(agreement_id: int) -> None:
    """Serialise settlement with the agreement's services (transaction-scoped lock).

    Services take it before the agreement's row lock, and settlement takes it first too, so
    the two locks are always taken in the same order.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, agreement_id])


@dataclass
class Settlement:
    since: dt.datetime
    revoked: int = 0  # Dissemination rows given revoked_at = since
    grants_removed: int = 0  # guardian rows deleted from the agreement's party groups


def _run_batches(sql: str, params: dict[str, Any], progress: Progress | None, total: int) -> int:
    done = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            count = cursor.rowcount
        done += count
        if progress:
            progress(done, max(total, done))
        if count < params["batch"]:
            return done


def settle_agreement(
    agreement_id: int,
    *,
    batch: int = SETTLE_BATCH,
    progress: Progress | None = None,
    on_settled: Callable[[Agreement, Settlement], None] | None = None,
) -> Settlement | None:
    """Revoke the record and remove the grants an agreement left when it stopped being in force.

    Access ended when the agreement left force (its party groups no longer resolve); this
    writes `revoked_at` = that instant on every live row made under it and deletes the grants
    of its party groups, in batches of `batch` rows, each in its own transaction unless the
    caller's transaction encloses them. `on_settled` runs in the transaction that clears
    `unsettled_since`. Returns None when there was nothing to settle.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_LOCK_NAMESPACE, agreement_id])
    try:
        agreement = Agreement.objects.filter(pk=agreement_id).first()
        if agreement is None or agreement.unsettled_since is None:
            return None  # settled already, or in force again (a constraint forbids both)
        settlement = Settlement(since=agreement.unsettled_since)
        live = Dissemination.objects.filter(agreement_id=agreement_id, revoked_at__isnull=True)
        # The groups of its parties, past ones included (a party removed while the agreement
        # was out of force keeps its group): they hold this agreement's grants and no other.
        prefix = AgreementParty.group_name(agreement_id, "")
        groups = Group.objects.filter(name__startswith=prefix).values_list("id", flat=True)
        params = {
            "agreement": agreement_id,
            "since": settlement.since,
            "reason": f"agreement {AgreementState(agreement.state).label.lower()}",
            "batch": batch,
            "groups": sorted(groups),  # never a country's or agency's group
            "permission": view_permission().pk,
        }
        settlement.revoked = _run_batches(_SETTLE_RECORDS_SQL, params, progress, live.count())
        settlement.grants_removed = _run_batches(_SETTLE_GRANTS_SQL, params, progress, 0)
        with transaction.atomic():
            cleared = Agreement.objects.filter(
                pk=agreement_id, unsettled_since=settlement.since
            ).update(unsettled_since=None)
            if cleared and on_settled is not None:
                on_settled(agreement, settlement)
        return settlement
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_NAMESPACE, agreement_id])


# --------------------------------------------------------------------------------------------
# Explanations


@dataclass(frozen=True)
class Reason:
    granted: bool
    text: str


@dataclass(frozen=True)
class Explanation:
    visible: bool
    reasons: list[Reason]


def _basis_text(row: Dissemination) -> str:
    since = f"since {row.granted_at:%Y-%m-%d %H:%M} UTC"
    match row.basis:
        case DisseminationBasis.TLP_CLEAR:
            return f"TLP:CLEAR reports go to every agency ({since})"
        case DisseminationBasis.ORIGINATOR:
            return f"{row.recipient_agency} is the originator agency ({since})"
        case DisseminationBasis.ORIGINATOR_COUNTRY:
            return f"{row.recipient_country} is the originator's country ({since})"
        case DisseminationBasis.AGREEMENT:
            return f"shared with {row.recipient_country} under agreement {row.agreement} ({since})"
        case DisseminationBasis.NAMED_RECIPIENT:
            return f"{row.recipient_agency} is a named recipient ({since})"
        case DisseminationBasis.ACCESS_REQUEST:
            return f"{row.recipient_agency} was granted access on request ({since})"
        case _:
            return f"forwarded to {row.recipient_agency} by {row.forwarded_by} ({since})"


def explain_visibility(report: Report, target: Country | Agency) -> Explanation:
    """Why `target` (a country as a whole, or one agency) can or cannot see `report`."""
    if isinstance(target, Agency):
        groups = [target.group_id, target.country.group_id, every_agency_group().pk]
        country = target.country
    else:
        groups = [target.group_id, every_agency_group().pk]
        country = target
    # As principals resolve them: rows under an agreement no longer in force are denied from
    # that instant, before settlement gives them their revoked_at.
    groups += in_force_party_groups(country.pk)
    live = (
        report.disseminations.filter(revoked_at__isnull=True, group_id__in=groups)
        .select_related("recipient_country", "recipient_agency", "agreement", "forwarded_by")
        .order_by("granted_at", "id")
    )
    granted = [Reason(True, _basis_text(row)) for row in live]
    if granted:
        return Explanation(visible=True, reasons=granted)
    return Explanation(visible=False, reasons=_denials(report, target, country))


def _denials(report: Report, target: Country | Agency, country: Country) -> list[Reason]:
    facts = ReportFacts.of(report)
    today = timezone.localdate()
    originator = report.originator_country
    marking = Tlp(report.tlp).label
    if facts.state == ReportState.DRAFT:
        return [Reason(False, "the report is a draft; only its originator agency sees it")]
    if facts.state == ReportState.RETRACTED:
        return [Reason(False, "the report was retracted; only its originator agency sees it")]
    if facts.tlp > COUNTRY_TLP_CEILING:
        return [
            Reason(
                False,
                f"{marking} goes only to the originator and named recipient agencies,"
                f" and {target} is not named",
            )
        ]
    if isinstance(target, Agency) and country.pk == originator.pk:
        return [Reason(False, f"{target} is not active on the portal")]
    reasons: list[Reason] = []
    for terms in agreements_of(originator.pk, lock=False):
        if country.pk not in terms.party_ids:
            continue
        denial = agreement_denial(facts, terms, country.pk, today)
        reasons.append(Reason(False, _denial_text(denial, terms, report, country, marking)))
    if not reasons:
        reasons.append(
            Reason(
                False,
                f"no agreement between {originator.code} and {country.code}"
                f" covering '{report.category.name}'",
            )
        )
    if isinstance(target, Agency) and facts.forwards:
        reasons.append(Reason(False, f"{target} has not been forwarded the report"))
    return reasons


def _denial_text(
    denial: Denial | None, terms: AgreementTerms, report: Report, country: Country, marking: str
) -> str:
    ref = terms.reference
    match denial:
        case Denial.NOT_IN_FORCE:
            state = AgreementState(terms.state).label.lower()
            return (
                f"agreement {ref} between {report.originator_country.code} and {country.code}"
                f" is {state}"
                + ("" if terms.state != AgreementState.ACTIVE else " but not in force today")
            )
        case Denial.CATEGORY:
            return f"agreement {ref} does not cover '{report.category.name}'"
        case Denial.MARKING:
            return f"marking {marking} above agreement {ref} maximum {Tlp(terms.max_tlp).label}"
        case Denial.BEFORE_SHARES_FROM:
            since = f"{terms.shares_from:%Y-%m-%d %H:%M}"
            return f"agreement {ref} shares reports published from {since} UTC only"
        case Denial.REL_TO:
            return f"{country.code} is not in the report's REL TO list"
        case None:
            return f"agreement {ref} allows it, but the grant has not been written yet"
        case _:
            return f"agreement {ref}: {denial.value}"
