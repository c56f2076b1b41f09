"""Agreement lifecycle: create, activate, suspend, reactivate, terminate, amend, calendar.

Each service locks the agreement, changes it and brings its grants in line in the same
transaction, so the affected country's very next request already sees the result. Coming
into force grants set-based in that transaction. Leaving force (suspension, termination,
expiry) is one row update: the parties' agreement groups stop resolving at once, and the
record (Dissemination.revoked_at = that instant) and the grants are settled afterwards in
batches by a task (`settle_agreement`), or first thing when the agreement comes back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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
    AgreementParty,
    AgreementState,
    AuditAction,
    Category,
    Tlp,
)

LIVE_STATES = (AgreementState.DRAFT, AgreementState.ACTIVE, AgreementState.SUSPENDED)
# The states each lifecycle change starts from (the admin offers a change only from these).
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "activate": (AgreementState.DRAFT,),
    "suspend": (AgreementState.ACTIVE,),
    "reactivate": (AgreementState.SUSPENDED,),
    "terminate": LIVE_STATES,
    "amend": LIVE_STATES,
}


def _require_portal_admin(actor: User | None) -> None:
    if actor is not None and not is_portal_admin(actor):
        raise PermissionDenied("Only portal admins manage agreements.")


def _locked(agreement: Agreement) -> Agreement:
    # Settlement lock first, row lock second: the order settle_agreement takes them in.
    access.lock_agreement_settlement(agreement.pk)
    return Agreement.objects.select_for_update().get(pk=agreement.pk)


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


def _sync(
    agreement: Agreement,
    *,
    reason: str,
    progress: Progress | None,
    at: dt.datetime | None = None,
) -> SyncResult:
    """Save the locked agreement's new terms or state; grants follow (see the module doc).

    `at`: the instant of the change, default now: new rows are granted then, or access
    ended then (for an expiry, midnight after valid_until, when resolution stopped).
    """
    at = at or timezone.now()
    if agreement.is_in_force(timezone.localdate()):
        if agreement.unsettled_since is not None:
            # Back in force before the task settled the last exit: settle first, here.
            settle_agreement(agreement.pk, progress=progress)
            agreement.unsettled_since = None
        agreement.enforced = True
        agreement.save()
        return sync_agreement(agreement, reason=reason, now=at, progress=progress)
    if agreement.enforced and agreement.unsettled_since is None:
        agreement.unsettled_since = at
    agreement.enforced = False
    agreement.save()
    if agreement.unsettled_since is not None:
        from sharing.tasks import settle_agreement as settle_task

        pk = agreement.pk
        # robust: with the broker down the change still stands (it is committed) and the
        # calendar task settles it on its next run.
        transaction.on_commit(lambda: settle_task.delay(pk), robust=True)
    return SyncResult()


def _record_settlement(agreement: Agreement, settlement: Settlement) -> None:
    audit.record(
        None,
        AuditAction.AGREEMENT_SETTLED,
        [agreement],
        context=SYSTEM,
        recipients=[f"country:{c.code}" for c in agreement.parties.all()],
        details={
            "access_ended_at": settlement.since.isoformat(),
            "revoked": settlement.revoked,
            "grants_removed": settlement.grants_removed,
        },
    )


def settle_agreement(agreement_id: int, *, progress: Progress | None = None) -> Settlement | None:
    """Write the record and remove the grants of an agreement that left force (audited).

    Runs in the background after suspension, termination and expiry; None when there was
    nothing left to settle.
    """
    return access.settle_agreement(agreement_id, progress=progress, on_settled=_record_settlement)


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
    progress: Progress | None = None,
    context: RequestContext = SYSTEM,
) -> SyncResult:
    """Draft -> active. With `share_existing`, reports published since valid_from are shared too."""
    _require_portal_admin(actor)
    agreement = _locked(agreement)
    if agreement.state not in ALLOWED_FROM["activate"]:
        raise ValidationError(
            f"Only a draft can be activated; this agreement is {agreement.state}."
        )
    today = timezone.localdate()
    if agreement.valid_until is not None and agreement.valid_until < today:
        raise ValidationError("This agreement's validity ended before today.")
    now = timezone.now()
    agreement.state = AgreementState.ACTIVE
    agreement.shares_from = _midnight(agreement.valid_from) if share_existing else now
    agreement.state_changed_at = now
    agreement.state_reason = ""
    result = _sync(agreement, reason="agreement activated", progress=progress)
    _record(
        actor,
        AuditAction.AGREEMENT_ACTIVATED,
        agreement,
        result,
        context=context,
        details={"share_existing": share_existing, "in_force": agreement.enforced},
    )
    return result


def _change_state(
    agreement: Agreement,
    *,
    actor: User | None,
    allowed_from: tuple[str, ...],
    to: AgreementState,
    action: AuditAction,
    reason: str,
    reason_required: bool,
    progress: Progress | None,
    context: RequestContext,
) -> SyncResult:
    _require_portal_admin(actor)
    if reason_required and not reason.strip():
        raise ValidationError("Give the reason for this change; it goes on the record.")
    agreement = _locked(agreement)
    if agreement.state not in allowed_from:
        raise ValidationError(
            f"An agreement that is {agreement.state} cannot become {to.label.lower()}."
        )
    agreement.state = to
    agreement.state_reason = reason
    agreement.state_changed_at = timezone.now()
    result = _sync(
        agreement,
        reason=f"agreement {to.label.lower()}",
        progress=progress,
        at=agreement.state_changed_at,
    )
    _record(actor, action, agreement, result, context=context, justification=reason)
    return result


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
        actor=actor,
        allowed_from=ALLOWED_FROM["suspend"],
        to=AgreementState.SUSPENDED,
        action=AuditAction.AGREEMENT_SUSPENDED,
        reason=reason,
        reason_required=True,
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
    """Suspended -> active: reports in scope, including those published meanwhile, are shared."""
    return _change_state(
        agreement,
        actor=actor,
        allowed_from=ALLOWED_FROM["reactivate"],
        to=AgreementState.ACTIVE,
        action=AuditAction.AGREEMENT_REACTIVATED,
        reason=reason,
        reason_required=False,
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
        actor=actor,
        allowed_from=ALLOWED_FROM["terminate"],
        to=AgreementState.TERMINATED,
        action=AuditAction.AGREEMENT_TERMINATED,
        reason=reason,
        reason_required=True,
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
    if not reason.strip():
        raise ValidationError("Give the reason for this amendment; it goes on the record.")
    agreement = _locked(agreement)
    if agreement.state not in ALLOWED_FROM["amend"]:
        raise ValidationError(f"A {agreement.state} agreement cannot be amended.")
    before = {
        "parties": sorted(c.code for c in agreement.parties.all()),
        "categories": sorted(c.code for c in agreement.categories.all()),
        "max_tlp": agreement.max_tlp,
        "valid_until": str(agreement.valid_until or ""),
    }
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
    result = _sync(agreement, reason="agreement amended", progress=progress)
    after = {
        "parties": sorted(c.code for c in agreement.parties.all()),
        "categories": sorted(c.code for c in agreement.categories.all()),
        "max_tlp": agreement.max_tlp,
        "valid_until": str(agreement.valid_until or ""),
    }
    _record(
        actor,
        AuditAction.AGREEMENT_AMENDED,
        agreement,
        result,
        context=context,
        justification=reason,
        details={"before": before, "after": after},
    )
    return result


def apply_agreement_calendar(*, today: dt.date | None = None) -> list[tuple[str, str]]:
    """Expire agreements past valid_until; bring active ones into force at valid_from.

    Run by Celery beat. Each agreement is handled in its own transaction under its lock.
    Last, agreements left unsettled (those that just expired, those whose task a broker
    outage lost) are settled.
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
            ended = _midnight(agreement.valid_until + dt.timedelta(days=1))
            result = _sync(agreement, reason="agreement expired", progress=None, at=ended)
            _record(None, AuditAction.AGREEMENT_EXPIRED, agreement, result, context=SYSTEM)
            changes.append((agreement.reference, AgreementState.EXPIRED))
    starting = (
        Agreement.objects.in_force_on(today).filter(enforced=False).values_list("pk", flat=True)
    )
    for pk in list(starting):
        with transaction.atomic():
            agreement = _locked(Agreement(pk=pk))
            if agreement.enforced or not agreement.is_in_force(today):
                continue
            result = _sync(agreement, reason="agreement in force", progress=None)
            _record(None, AuditAction.AGREEMENT_IN_FORCE, agreement, result, context=SYSTEM)
            changes.append((agreement.reference, "in_force"))
    unsettled = Agreement.objects.filter(unsettled_since__isnull=False)
    for pk, reference in list(unsettled.values_list("pk", "reference")):
        if settle_agreement(pk) is not None:
            changes.append((reference, "settled"))
    return changes
