"""Agreement lifecycle: create, activate, suspend, reactivate, terminate, amend, calendar.

A change of force (activation, reactivation, suspension, termination, expiry, coming into
force on valid_from) is one update of the locked agreement row: principals resolve the
agreements in force on their next request, so access follows at once, whatever the number of
reports. The record (Dissemination rows, grants) follows in the background: `settle_agreement`
runs as a task queued on commit (in the request when there is no broker), and the calendar
task settles whatever a lost task left. Until then an agreement that came into force is
"pending" and principals see its reports through the sharing rule itself (see
sharing.access.queries). Amendments of an agreement in force re-compute its grants in their
own transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import Country, User
from agencies.roles import is_portal_admin
from sharing import access, audit
from sharing.access import Progress, Settlement, SyncResult, sync_agreement
from sharing.audit import SYSTEM, RequestContext
from sharing.models import (
    Agreement,
    AgreementChange,
    AgreementParty,
    AgreementState,
    AuditAction,
    Category,
    Tlp,
)

LIVE_STATES = (AgreementState.DRAFT, AgreementState.ACTIVE, AgreementState.SUSPENDED)


@dataclass(frozen=True)
class ChangeSpec:
    """One lifecycle change: where it may start from, what runs it, what the admin is told."""

    allowed_from: tuple[AgreementState, ...]
    service: Callable[..., SyncResult]
    consequence: str
    reason_required: bool = False


def _require_portal_admin(actor: User | None) -> None:
    if actor is not None and not is_portal_admin(actor):
        raise PermissionDenied("Only portal admins manage agreements.")


def _require_reason(change: AgreementChange, reason: str) -> None:
    if CHANGES[change].reason_required and not reason.strip():
        raise ValidationError("Give the reason for this change; it goes on the record.")


def _require_allowed(change: AgreementChange, agreement: Agreement) -> None:
    if agreement.state not in CHANGES[change].allowed_from:
        raise ValidationError(
            f"An agreement that is {agreement.state} cannot be {change.label.lower()}d."
        )


def _period_ended_unrecorded(agreement: Agreement) -> bool:
    # A period in force ended before its rows were written: a new one cannot begin before
    # that one is on the record (its rows need the instants of both ends).
    return agreement.pending_until is not None


def _pending(agreement: Agreement) -> bool:
    # Rows still to be written under the current terms: write them before the terms change.
    return agreement.pending_since is not None


def _locked(
    agreement: Agreement,
    *,
    settled_if: Callable[[Agreement], bool] | None = None,
    progress: Progress | None = None,
) -> Agreement:
    """The agreement under its locks: the settlement lock first, the row lock second (the
    order settlement batches take them in).

    `settled_if`: when it holds, the change needs the record settled first; that happens here,
    in the caller's transaction, after a settlement in progress (rare: a change arriving in the
    seconds it takes to write an earlier change's record).
    """
    if settled_if is not None and settled_if(Agreement.objects.get(pk=agreement.pk)):
        settle_agreement(agreement.pk, progress=progress)
    access.lock_agreement_settlement(agreement.pk)
    locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if settled_if is not None and settled_if(locked):
        # It changed between the two reads. A settlement that started meanwhile waits for our
        # locks, so waiting for it here would deadlock: refuse instead if one runs.
        settle_agreement(agreement.pk, progress=progress, wait=False)
        locked.refresh_from_db()
    return locked


def _settle_on_commit(agreement_id: int) -> None:
    from sharing.tasks import settle_agreement as settle_task

    # robust: with the broker down the change still stands (it is committed) and the calendar
    # task settles it on its next run.
    transaction.on_commit(lambda: settle_task.delay(agreement_id), robust=True)


def _apply_force(agreement: Agreement, *, at: dt.datetime) -> bool:
    """Save the locked agreement; if that changes whether it is in force, mark what its record
    needs and queue the settlement. Returns whether it is in force.

    `at`: the instant access begins or ends (for an expiry, midnight after valid_until, when
    resolution stopped by date).
    """
    due = agreement.is_due(timezone.localdate())
    if due and not agreement.enforced:
        if _period_ended_unrecorded(agreement):
            raise RuntimeError("settle the agreement before it comes into force again")
        agreement.enforced = True
        agreement.pending_since = at
        _settle_on_commit(agreement.pk)
    elif not due and agreement.enforced:
        if agreement.pending_since is not None:
            agreement.pending_until = max(at, agreement.pending_since)
        else:
            agreement.unsettled_since = at
        agreement.enforced = False
        _settle_on_commit(agreement.pk)
    agreement.save()
    return agreement.enforced


def _force_details(agreement: Agreement) -> dict[str, Any]:
    """When access under the agreement began or ended, for the audit event of a change."""
    details: dict[str, Any] = {"in_force": agreement.enforced}
    if agreement.enforced and agreement.pending_since is not None:
        details["access_began_at"] = agreement.pending_since.isoformat()
    ended = agreement.pending_until or agreement.unsettled_since
    if not agreement.enforced and ended is not None:
        details["access_ended_at"] = ended.isoformat()
    if not agreement.is_settled:
        details["record"] = "being written"
    return details


def _record_settlement(agreement: Agreement, settlement: Settlement) -> None:
    recipients = [f"country:{c.code}" for c in agreement.parties.all()]
    if settlement.unsettled_since is not None:
        settled: dict[str, Any] = {
            "access_ended_at": settlement.unsettled_since.isoformat(),
            "revoked": settlement.revoked,
        }
        if settlement.pending_since is None:
            settled["grants_removed"] = settlement.grants_removed
        audit.record(
            None,
            AuditAction.AGREEMENT_SETTLED,
            [agreement],
            context=SYSTEM,
            recipients=recipients,
            details=settled,
        )
    if settlement.pending_since is not None:
        ended = settlement.pending_until
        audit.record(
            None,
            AuditAction.AGREEMENT_SYNCED,
            [agreement],
            context=SYSTEM,
            recipients=recipients,
            details={
                "access_began_at": settlement.pending_since.isoformat(),
                "access_ended_at": ended.isoformat() if ended is not None else None,
                "granted": settlement.granted,
                "ended": settlement.ended,
                "grants_added": settlement.grants_added,
                "grants_removed": settlement.grants_removed,
            },
        )


def settle_agreement(
    agreement_id: int, *, progress: Progress | None = None, wait: bool = True
) -> Settlement | None:
    """Write the record and grants that the agreement's last changes of force call for (audited).

    Runs in the background after every change of force; None when there was nothing left.
    """
    return access.settle_agreement(
        agreement_id, progress=progress, on_settled=_record_settlement, wait=wait
    )


def _set_parties(agreement: Agreement, countries: list[Country]) -> None:
    """Make the parties `countries`, each new party with its own group for the grants."""
    wanted = {c.pk: c for c in countries}
    agreement.party_links.exclude(country_id__in=wanted).delete()
    present = set(agreement.party_links.values_list("country_id", flat=True))
    for country_id, country in wanted.items():
        if country_id not in present:
            name = AgreementParty.group_name(agreement.pk, country.code)
            group, _ = Group.objects.get_or_create(name=name)
            AgreementParty.objects.create(agreement=agreement, country=country, group=group)


def _validate_terms(
    parties: list[Country], valid_from: dt.date, valid_until: dt.date | None, max_tlp: int
) -> None:
    if len({c.pk for c in parties}) < 2:
        raise ValidationError("An agreement needs at least two different party countries.")
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError("valid_until must be on or after valid_from.")
    if max_tlp not in (Tlp.GREEN, Tlp.AMBER):
        raise ValidationError("The highest marking of an agreement is TLP:GREEN or TLP:AMBER.")


def _record(
    actor: User | None,
    action: AuditAction,
    agreement: Agreement,
    result: SyncResult | None,
    *,
    context: RequestContext,
    justification: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    extra = dict(details or {})
    if result is not None:
        extra.update(
            granted=result.granted,
            revoked=result.revoked,
            grants_added=result.grants_added,
            grants_removed=result.grants_removed,
        )
    audit.record(
        actor,
        action,
        [agreement],
        context=context,
        justification=justification,
        recipients=[f"country:{c.code}" for c in agreement.parties.all()],
        details=extra,
    )


@transaction.atomic
def create_agreement(
    *,
    actor: User | None,
    title: str,
    reference: str,
    parties: Iterable[Country],
    categories: Iterable[Category],
    max_tlp: int,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
    description: str = "",
    context: RequestContext = SYSTEM,
) -> Agreement:
    _require_portal_admin(actor)
    parties, categories = list(parties), list(categories)
    _validate_terms(parties, valid_from, valid_until, max_tlp)
    if not categories:
        raise ValidationError("An agreement covers at least one category.")
    if Agreement.objects.filter(reference=reference).exists():
        raise ValidationError(f"An agreement with reference {reference!r} already exists.")
    agreement = Agreement.objects.create(
        title=title,
        reference=reference,
        description=description,
        max_tlp=max_tlp,
        valid_from=valid_from,
        valid_until=valid_until,
        created_by=actor,
    )
    _set_parties(agreement, parties)
    agreement.categories.set(categories)
    _record(actor, AuditAction.AGREEMENT_CREATED, agreement, None, context=context)
    return agreement


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


@transaction.atomic
def activate_agreement(
    agreement: Agreement,
    *,
    actor: User | None,
    share_existing: bool,
    reason: str = "",
    progress: Progress | None = None,
    context: RequestContext = SYSTEM,
) -> SyncResult:
    """Draft -> active. With `share_existing`, reports published since valid_from are shared too.

    Access begins when this commits (if the agreement is due today); the rows and grants are
    written in the background.
    """
    _require_portal_admin(actor)
    agreement = _locked(agreement)
    _require_allowed(AgreementChange.ACTIVATE, agreement)
    today = timezone.localdate()
    if agreement.valid_until is not None and agreement.valid_until < today:
        raise ValidationError("This agreement's validity ended before today.")
    now = timezone.now()
    agreement.state = AgreementState.ACTIVE
    agreement.shares_from = _midnight(agreement.valid_from) if share_existing else now
    agreement.state_changed_at = now
    agreement.state_reason = reason
    _apply_force(agreement, at=now)
    _record(
        actor,
        AuditAction.AGREEMENT_ACTIVATED,
        agreement,
        None,
        context=context,
        justification=reason,
        details={"share_existing": share_existing, **_force_details(agreement)},
    )
    return SyncResult()


def _change_state(
    agreement: Agreement,
    *,
    change: AgreementChange,
    to: AgreementState,
    action: AuditAction,
    actor: User | None,
    reason: str,
    progress: Progress | None,
    context: RequestContext,
) -> SyncResult:
    _require_portal_admin(actor)
    _require_reason(change, reason)
    settled_if = _period_ended_unrecorded if to == AgreementState.ACTIVE else None
    agreement = _locked(agreement, settled_if=settled_if, progress=progress)
    _require_allowed(change, agreement)
    agreement.state = to
    agreement.state_reason = reason
    agreement.state_changed_at = timezone.now()
    _apply_force(agreement, at=agreement.state_changed_at)
    _record(
        actor,
        action,
        agreement,
        None,
        context=context,
        justification=reason,
        details=_force_details(agreement),
    )
    return SyncResult()


@transaction.atomic
def suspend_agreement(
    agreement: Agreement,
    *,
    actor: User | None,
    reason: str,
    progress: Progress | None = None,
    context: RequestContext = SYSTEM,
) -> SyncResult:
    """Active -> suspended: access under it ends when this commits; the record settles after."""
    return _change_state(
        agreement,
        change=AgreementChange.SUSPEND,
        to=AgreementState.SUSPENDED,
        action=AuditAction.AGREEMENT_SUSPENDED,
        actor=actor,
        reason=reason,
        progress=progress,
        context=context,
    )


@transaction.atomic
def reactivate_agreement(
    agreement: Agreement,
    *,
    actor: User | None,
    reason: str = "",
    progress: Progress | None = None,
    context: RequestContext = SYSTEM,
) -> SyncResult:
    """Suspended -> active: reports in scope, including those published meanwhile, are shared
    again when this commits; the rows and grants are written in the background."""
    return _change_state(
        agreement,
        change=AgreementChange.REACTIVATE,
        to=AgreementState.ACTIVE,
        action=AuditAction.AGREEMENT_REACTIVATED,
        actor=actor,
        reason=reason,
        progress=progress,
        context=context,
    )


@transaction.atomic
def terminate_agreement(
    agreement: Agreement,
    *,
    actor: User | None,
    reason: str,
    progress: Progress | None = None,
    context: RequestContext = SYSTEM,
) -> SyncResult:
    """Any live state -> terminated, for good; access under it ends when this commits."""
    return _change_state(
        agreement,
        change=AgreementChange.TERMINATE,
        to=AgreementState.TERMINATED,
        action=AuditAction.AGREEMENT_TERMINATED,
        actor=actor,
        reason=reason,
        progress=progress,
        context=context,
    )


_UNSET: Any = object()


@transaction.atomic
def amend_agreement(
    agreement: Agreement,
    *,
    actor: User | None,
    reason: str,
    parties: Iterable[Country] | None = None,
    categories: Iterable[Category] | None = None,
    max_tlp: int | None = None,
    valid_until: dt.date | None = _UNSET,
    title: str | None = None,
    progress: Progress | None = None,
    context: RequestContext = SYSTEM,
) -> SyncResult:
    """Change the scope or parties; grants follow at once (new ones given, stale ones revoked)."""
    _require_portal_admin(actor)
    _require_reason(AgreementChange.AMEND, reason)
    agreement = _locked(agreement, settled_if=_pending, progress=progress)
    _require_allowed(AgreementChange.AMEND, agreement)
    before = _terms_summary(agreement)
    was_in_force = agreement.is_in_force(timezone.localdate())
    new_parties = list(parties) if parties is not None else list(agreement.parties.all())
    new_until = agreement.valid_until if valid_until is _UNSET else valid_until
    new_max = max_tlp if max_tlp is not None else agreement.max_tlp
    _validate_terms(new_parties, agreement.valid_from, new_until, new_max)
    if parties is not None:
        _set_parties(agreement, new_parties)
    if categories is not None:
        new_categories = list(categories)
        if not new_categories:
            raise ValidationError("An agreement covers at least one category.")
        agreement.categories.set(new_categories)
    agreement.max_tlp = new_max
    agreement.valid_until = new_until
    if title:
        agreement.title = title
    now = timezone.now()
    # A new valid_until may also take it out of force or bring it back (then as any change of
    # force); staying in force, its grants follow the new terms here.
    in_force = _apply_force(agreement, at=now)
    result = SyncResult()
    if was_in_force and in_force:
        result = sync_agreement(agreement, reason="agreement amended", now=now, progress=progress)
    _record(
        actor,
        AuditAction.AGREEMENT_AMENDED,
        agreement,
        result,
        context=context,
        justification=reason,
        details={"before": before, "after": _terms_summary(agreement), **_force_details(agreement)},
    )
    return result


def _terms_summary(agreement: Agreement) -> dict[str, Any]:
    return {
        "parties": sorted(c.code for c in agreement.parties.all()),
        "categories": sorted(c.code for c in agreement.categories.all()),
        "max_tlp": agreement.max_tlp,
        "valid_until": str(agreement.valid_until or ""),
    }


CHANGES: dict[AgreementChange, ChangeSpec] = {
    AgreementChange.ACTIVATE: ChangeSpec(
        allowed_from=(AgreementState.DRAFT,),
        service=activate_agreement,
        consequence=(
            "Reports in scope are shared with the partner countries from their next request (and,"
            " if you tick the box, those published since the valid-from date); the record of"
            " grants is written in the background."
        ),
    ),
    AgreementChange.SUSPEND: ChangeSpec(
        allowed_from=(AgreementState.ACTIVE,),
        service=suspend_agreement,
        consequence=(
            "Partner countries lose access to everything shared under this agreement on their"
            " next request; the record of revocations is settled in the background."
        ),
        reason_required=True,
    ),
    AgreementChange.REACTIVATE: ChangeSpec(
        allowed_from=(AgreementState.SUSPENDED,),
        service=reactivate_agreement,
        consequence=(
            "Reports in scope, including those published during the suspension, are shared again"
            " from the partners' next request; the record of grants is written in the background."
        ),
    ),
    AgreementChange.TERMINATE: ChangeSpec(
        allowed_from=LIVE_STATES,
        service=terminate_agreement,
        consequence=(
            "The agreement ends for good: access under it ends on the partners' next request and"
            " it cannot be reactivated."
        ),
        reason_required=True,
    ),
    AgreementChange.AMEND: ChangeSpec(
        allowed_from=LIVE_STATES,
        service=amend_agreement,
        consequence=(
            "Grants follow the new terms at once: new ones are given, those no longer covered are"
            " revoked."
        ),
        reason_required=True,
    ),
}


def allowed_changes(agreement: Agreement) -> list[AgreementChange]:
    """The changes the agreement's state allows, in lifecycle order."""
    return [change for change, spec in CHANGES.items() if agreement.state in spec.allowed_from]


def apply_change(
    change: AgreementChange,
    agreement: Agreement,
    *,
    actor: User | None,
    reason: str = "",
    progress: Progress | None = None,
    context: RequestContext = SYSTEM,
    **options: Any,
) -> SyncResult:
    """Run one lifecycle change through its service (`options`: share_existing, or the terms)."""
    return CHANGES[change].service(
        agreement, actor=actor, reason=reason, progress=progress, context=context, **options
    )


def apply_agreement_calendar(*, today: dt.date | None = None) -> list[tuple[str, str]]:
    """Expire agreements past valid_until; bring due ones into force at valid_from.

    Run by Celery beat. Each agreement is handled in its own transaction under its lock.
    Last, every agreement whose record is not settled (those changed just now, those whose
    task a broker outage lost) is settled.
    """
    today = today or timezone.localdate()
    changes: list[tuple[str, str]] = []
    expiring = Agreement.objects.filter(
        state=AgreementState.ACTIVE, valid_until__lt=today
    ).values_list("pk", flat=True)
    for pk in list(expiring):
        with transaction.atomic():
            agreement = _locked(Agreement(pk=pk))
            if agreement.state != AgreementState.ACTIVE or agreement.valid_until is None:
                continue
            if agreement.valid_until >= today:
                continue
            agreement.state = AgreementState.EXPIRED
            agreement.state_reason = f"validity ended on {agreement.valid_until}"
            agreement.state_changed_at = timezone.now()
            # Principals stopped resolving it when valid_until ended, not when this ran.
            _apply_force(agreement, at=_midnight(agreement.valid_until + dt.timedelta(days=1)))
            _record(
                None,
                AuditAction.AGREEMENT_EXPIRED,
                agreement,
                None,
                context=SYSTEM,
                details=_force_details(agreement),
            )
            changes.append((agreement.reference, AgreementState.EXPIRED))
    starting = Agreement.objects.due_on(today).filter(enforced=False).values_list("pk", flat=True)
    for pk in list(starting):
        with transaction.atomic():
            agreement = _locked(Agreement(pk=pk), settled_if=_period_ended_unrecorded)
            if agreement.enforced or not agreement.is_due(today):
                continue
            if _apply_force(agreement, at=timezone.now()):
                _record(
                    None,
                    AuditAction.AGREEMENT_IN_FORCE,
                    agreement,
                    None,
                    context=SYSTEM,
                    details=_force_details(agreement),
                )
                changes.append((agreement.reference, "in_force"))
    for pk in access.unsettled_agreement_ids():
        settlement = settle_agreement(pk)
        if settlement is not None:
            reference = Agreement.objects.get(pk=pk).reference
            changes.append((reference, "settled"))
    return changes
