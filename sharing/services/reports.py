"""Report writes (create, publish, edit, retract, forward): one transaction each, audited."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Country, PartnerAPIKey, Role, Scope, User
from sharing import audit
from sharing.access import (
    AudienceChange,
    Denial,
    ReportFacts,
    access_request_denial,
    disseminate,
    forward_denial,
    mark_changed,
    settle_report,
)
from sharing.audit import SYSTEM, RequestContext
from sharing.indicators import normalize
from sharing.models import (
    AccessRequest,
    AccessRequestState,
    AuditAction,
    Indicator,
    IndicatorType,
    Report,
    ReportState,
    ReportVersion,
    Tlp,
)
from sharing.search.document import index_reports

EDITABLE_FIELDS = (
    "title",
    "summary",
    "body",
    "category",
    "tlp",
    "handling_code",
    "source_reliability",
    "information_credibility",
    "priority",
    "occurred_at",
    "latitude",
    "longitude",
    "place",
    "border_sector",
    "language",
)


# Who may write a report: a person (browser) or a partner system's key (REST API). A key acts
# for its partner system's agency; it is recorded as the author and in the audit trail.
Writer = User | PartnerAPIKey


def _member_agency(actor: Writer) -> Agency:
    """The agency the actor writes for; refused unless it (and the key) may act now."""
    if isinstance(actor, PartnerAPIKey):
        # Checked here too, not only at the API's door, and on the stored row: a key object
        # in hand may outlive its validity (revoked or its system deactivated meanwhile).
        key = PartnerAPIKey.objects.select_related("partner__agency").get(pk=actor.pk)
        if key.revoked or key.has_expired or not key.partner.is_active:
            raise PermissionDenied("This API key may no longer act for its agency.")
        if not key.allows(Scope.WRITE):
            raise PermissionDenied("This API key is read-only.")
        agency: Agency | None = key.partner.agency
    else:
        agency = actor.agency
    if agency is None or not agency.is_active:
        raise PermissionDenied("You are not a member of an active agency.")
    return agency


def _authored_by(actor: Writer, *, user_field: str) -> dict[str, Any]:
    """The author (or editor) fields of a row written by `actor`: the user or the key."""
    if isinstance(actor, PartnerAPIKey):
        return {f"{user_field}_key": actor}
    return {user_field: actor}


def _locked_for_change(report: Report) -> Report:
    """The report, locked for a change to its audience, its record settled first.

    FOR NO KEY UPDATE, not FOR UPDATE: settlement batches insert rows referencing reports,
    whose foreign-key checks take key-share locks that FOR UPDATE would block while this
    transaction waits for the agreement lock the batch holds. `settle_report`: rows under
    agreements whose record is still being written get their instants before the change.
    """
    locked = Report.objects.select_for_update(no_key=True).get(pk=report.pk)
    settle_report(locked)
    return locked


def _require_originator(report: Report, actor: Writer) -> None:
    if _member_agency(actor).pk != report.originator_agency_id:
        raise PermissionDenied("Only the originator agency may change this report.")


def may_change(report: Report, actor: Writer) -> bool:
    """Whether the actor may edit, publish, retract or attach to the report: the services' rule."""
    try:
        _require_originator(report, actor)
    except PermissionDenied:
        return False
    return True


def _require_named_recipients(tlp: int, recipients: Iterable[Agency]) -> None:
    """Published AMBER+STRICT and RED reports must name who receives them.

    They never go to a whole country, so without a named agency the report would reach no one
    but its originator: almost always a recipient forgotten, not a choice (a draft is that).
    A draft may be saved without them; publishing it, or editing it once published, may not.
    """
    if tlp >= Tlp.AMBER_STRICT and not list(recipients):
        raise ValidationError(
            {
                "recipients": _(
                    "TLP:AMBER+STRICT and TLP:RED reports go only to named recipient agencies:"
                    " name at least one."
                )
            }
        )


def _check_releasability(rel_to: Iterable[Country], recipients: Iterable[Agency]) -> None:
    rel_codes = {c.pk for c in rel_to}
    if not rel_codes:
        return
    outside = [a for a in recipients if a.country_id not in rel_codes]
    if outside:
        names = ", ".join(str(a) for a in outside)
        raise ValidationError(f"Named recipients outside the REL TO countries: {names}.")


def _recipients_summary(change: AudienceChange) -> list[str]:
    out = []
    for r in change.granted:
        target = (
            f"country:{r.country_id}"
            if r.country_id
            else f"agency:{r.agency_id}"
            if r.agency_id
            else "every-agency"
        )
        out.append(f"{target}:{r.basis}" + (f":{r.agreement_id}" if r.agreement_id else ""))
    return out


def _snapshot(report: Report) -> dict[str, Any]:
    data = {
        name: getattr(report, f"{name}_id" if name == "category" else name)
        for name in EDITABLE_FIELDS
    }
    data["rel_to"] = sorted(c.code for c in report.rel_to.all())
    data["recipients"] = sorted(a.code for a in report.recipients.all())
    data["indicators"] = sorted(f"{i.type}: {i.value}" for i in report.indicators.all())
    # JSON keeps numbers, text and lists; dates, times and coordinates are kept as text.
    return {
        k: (str(v) if v is not None and not isinstance(v, int | str | list) else v)
        for k, v in data.items()
    }


@transaction.atomic
def create_report(
    *,
    actor: Writer,
    fields: Mapping[str, Any],
    rel_to: Iterable[Country] = (),
    recipients: Iterable[Agency] = (),
    indicators: Iterable[tuple[str, str]] = (),
    context: RequestContext = SYSTEM,
) -> Report:
    """A draft of the actor's agency; only that agency sees it until it is published."""
    agency = _member_agency(actor)
    rel_to, recipients = list(rel_to), list(recipients)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown report fields: {', '.join(sorted(unknown))}.")
    _check_releasability(rel_to, recipients)
    report = Report(
        **fields,
        originator_agency=agency,
        originator_country_id=agency.country_id,
        state=ReportState.DRAFT,
        **_authored_by(actor, user_field="author"),
    )
    report.full_clean(exclude=["originator_country", "author", "author_key", "originator_agency"])
    report.save()
    report.rel_to.set(rel_to)
    report.recipients.set(recipients)
    _add_indicators(report, indicators)
    index_reports([report.pk])
    disseminate(report, reason="draft created")
    audit.record(actor, AuditAction.REPORT_CREATED, [report], context=context)
    return report


def _add_indicators(report: Report, indicators: Iterable[tuple[str, str]]) -> list[Indicator]:
    """Write the rows only: the calling service's own event covers those it adds.

    A value already on the report (the same once normalised) is refused, not silently dropped:
    the writer meant something by it, most often a different value mistyped as this one.
    """
    seen = set(report.indicators.values_list("type", "normalized")) if report.pk else set()
    rows = []
    for kind, value in indicators:
        if kind not in IndicatorType.values:
            raise ValidationError(f"Unknown indicator type {kind!r}.")
        normalized = normalize(kind, value)
        if not normalized:
            raise ValidationError(f"Indicator {value!r} is empty once normalised.")
        if (kind, normalized) in seen:
            raise ValidationError(
                f"Indicator {value.strip()!r} ({IndicatorType(kind).label}) is listed twice."
            )
        seen.add((kind, normalized))
        rows.append(Indicator(report=report, type=kind, value=value.strip(), normalized=normalized))
    return Indicator.objects.bulk_create(rows)


@transaction.atomic
def add_indicators(
    report: Report,
    indicators: Iterable[tuple[str, str]],
    *,
    actor: User,
    context: RequestContext = SYSTEM,
) -> list[Indicator]:
    """Attach indicators to a draft or published report of the actor's agency."""
    report = Report.objects.select_for_update(no_key=True).get(pk=report.pk)
    _require_originator(report, actor)
    if report.state == ReportState.RETRACTED:
        raise ValidationError("A retracted report takes no new indicators.")
    indicators = list(indicators)
    if not indicators:
        raise ValidationError("Give at least one indicator.")
    added = _add_indicators(report, indicators)
    mark_changed(report.pk)
    index_reports([report.pk])
    # Counts and types only: the values (names, documents, plates) stay out of the record.
    audit.record(
        actor,
        AuditAction.INDICATORS_ADDED,
        [report],
        context=context,
        details={"count": len(indicators), "types": sorted({kind for kind, _ in indicators})},
    )
    return added


@transaction.atomic
def publish_report(
    report: Report, *, actor: Writer, context: RequestContext = SYSTEM
) -> AudienceChange:
    """Draft -> published; grants and Dissemination rows are written in this transaction."""
    # Prefetched once: the version snapshot and the audience both read them.
    report = (
        Report.objects.select_for_update(no_key=True)
        .prefetch_related("rel_to", "recipients")
        .get(pk=report.pk)
    )
    _require_originator(report, actor)
    if report.state != ReportState.DRAFT:
        raise ValidationError(f"Only drafts can be published; this report is {report.state}.")
    _require_named_recipients(report.tlp, report.recipients.all())
    now = timezone.now()
    report.state = ReportState.PUBLISHED
    report.published_at = now
    report.save(update_fields=["state", "published_at", "modified_at"])
    ReportVersion.objects.create(
        report=report,
        number=report.version,
        snapshot=_snapshot(report),
        change_note="published",
        **_authored_by(actor, user_field="edited_by"),
    )
    change = disseminate(report, reason="published", now=now)
    audit.record(
        actor,
        AuditAction.REPORT_PUBLISHED,
        [report],
        context=context,
        recipients=_recipients_summary(change),
    )
    return change


@transaction.atomic
def edit_report(
    report: Report,
    *,
    actor: Writer,
    changes: Mapping[str, Any],
    rel_to: Iterable[Country] | None = None,
    recipients: Iterable[Agency] | None = None,
    indicators: Iterable[tuple[str, str]] = (),
    change_note: str = "",
    context: RequestContext = SYSTEM,
) -> AudienceChange:
    """Edit a draft or published report; a published edit is a new version and re-disseminates.

    `indicators` are added to those the report has (none is removed).
    """
    report = _locked_for_change(report)
    _require_originator(report, actor)
    if report.state == ReportState.RETRACTED:
        raise ValidationError("A retracted report cannot be edited.")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown report fields: {', '.join(sorted(unknown))}.")
    for name, value in changes.items():
        setattr(report, name, value)
    new_rel_to = list(rel_to) if rel_to is not None else list(report.rel_to.all())
    new_recipients = list(recipients) if recipients is not None else list(report.recipients.all())
    _check_releasability(new_rel_to, new_recipients)
    if report.state == ReportState.PUBLISHED:
        _require_named_recipients(report.tlp, new_recipients)
    report.full_clean(exclude=["originator_country", "author", "author_key", "originator_agency"])
    if report.state == ReportState.PUBLISHED:
        report.version += 1
    report.save()
    report.rel_to.set(new_rel_to)
    report.recipients.set(new_recipients)
    indicators = list(indicators)
    _add_indicators(report, indicators)
    index_reports([report.pk])
    if report.state == ReportState.PUBLISHED:
        ReportVersion.objects.create(
            report=report,
            number=report.version,
            snapshot=_snapshot(report),
            change_note=change_note[:500],
            **_authored_by(actor, user_field="edited_by"),
        )
    change = disseminate(report, reason=f"edited (v{report.version})")
    audit.record(
        actor,
        AuditAction.REPORT_EDITED,
        [report],
        context=context,
        justification=change_note,
        recipients=_recipients_summary(change),
        details={
            "fields": sorted(changes),
            "revoked": len(change.revoked),
            "indicators_added": len(indicators),
        },
    )
    return change


@transaction.atomic
def retract_report(
    report: Report, *, actor: Writer, reason: str, context: RequestContext = SYSTEM
) -> AudienceChange:
    """Published -> retracted: every grant but the originator agency's is revoked at once."""
    if not reason.strip():
        raise ValidationError("Say why the report is retracted.")
    report = _locked_for_change(report)
    _require_originator(report, actor)
    if report.state != ReportState.PUBLISHED:
        raise ValidationError(
            f"Only published reports can be retracted; this one is {report.state}."
        )
    now = timezone.now()
    report.state = ReportState.RETRACTED
    report.retracted_at = now
    report.retraction_reason = reason
    report.save(update_fields=["state", "retracted_at", "retraction_reason", "modified_at"])
    change = disseminate(report, reason="retracted", now=now)
    audit.record(
        actor,
        AuditAction.REPORT_RETRACTED,
        [report],
        context=context,
        justification=reason,
        details={"revoked": len(change.revoked)},
    )
    return change


def forward_report(
    report: Report,
    to_agency: Agency,
    *,
    actor: User,
    justification: str,
    context: RequestContext = SYSTEM,
) -> AudienceChange:
    """Onward dissemination by a recipient agency: refused for H2/H3 and above TLP:GREEN.

    A refusal is recorded with record_denial, so it stays on the record when this transaction,
    or one the caller opened around it, rolls back.
    """
    agency = _member_agency(actor)
    if membership_role(actor) not in (Role.SUPERVISOR, Role.AGENCY_ADMIN):
        raise PermissionDenied("Only a supervisor may forward a report to another agency.")
    with transaction.atomic():
        report = (
            Report.objects.visible_to(actor)
            .select_for_update(of=("self",), no_key=True)
            .get(pk=report.pk)
        )
        settle_report(report)
        if agency.pk == report.originator_agency_id:
            raise ValidationError("The originator names recipients by editing the report.")
        facts = ReportFacts.of(report)
        denial = forward_denial(facts, to_agency.country_id)
        if denial is not None:
            audit.record_denial(
                actor,
                AuditAction.GRANTED,
                [report],
                context=context,
                recipients=[f"agency:{to_agency.code}"],
                justification=justification,
                details={"basis": "forwarded", "denied": denial.value},
            )
            raise PermissionDenied(f"This report cannot be forwarded: {denial.value}.")
        facts = dataclasses.replace(
            facts, forwards=facts.forwards | {(to_agency.pk, to_agency.country_id, agency.pk)}
        )
        change = disseminate(report, reason="forwarded", facts=facts)
        audit.record(
            actor,
            AuditAction.GRANTED,
            [report],
            context=context,
            justification=justification,
            recipients=[f"agency:{to_agency.code}"],
            details={"basis": "forwarded"},
        )
    return change


def membership_role(user: User) -> str | None:
    membership = getattr(user, "membership", None)
    return membership.role if membership is not None else None


@transaction.atomic
def request_access(
    report: Report, *, actor: User, justification: str, context: RequestContext = SYSTEM
) -> AccessRequest:
    """Ask the originator agency for a report the actor's agency cannot see."""
    agency = _member_agency(actor)
    if not justification.strip():
        raise ValidationError("Say why your agency needs this report.")
    if report.state != ReportState.PUBLISHED:
        raise ValidationError("Access can only be requested to published reports.")
    if Report.objects.visible_to(actor).filter(pk=report.pk).exists():
        raise ValidationError("Your agency can already see this report.")
    request, created = AccessRequest.objects.get_or_create(
        report=report,
        requesting_agency=agency,
        state=AccessRequestState.PENDING,
        defaults={"requested_by": actor, "justification": justification},
    )
    if created:
        audit.record(
            actor,
            AuditAction.ACCESS_REQUESTED,
            [report],
            context=context,
            justification=justification,
        )
    return request


@transaction.atomic
def decide_access_request(
    request: AccessRequest,
    *,
    actor: User,
    approve: bool,
    note: str = "",
    context: RequestContext = SYSTEM,
) -> AccessRequest:
    """The originator agency's supervisor approves (grant) or refuses; audited either way.

    An approval gives the report to the requesting agency alone (basis "access request"),
    whatever its marking: a RED or AMBER+STRICT report reaches that agency and nobody else in
    its country. It is refused while the requester's country is outside the report's REL TO:
    the originator widens REL TO first (an edit, recorded as a new version). H2/H3 reports may
    be released: the approval is the originator's consent (the queue warns the supervisor).
    """
    # The request's row only: the report is locked as every audience change locks it.
    request = (
        AccessRequest.objects.select_for_update(of=("self",))
        .select_related("report", "requesting_agency")
        .get(pk=request.pk)
    )
    report = request.report
    if _member_agency(actor).pk != report.originator_agency_id or membership_role(actor) not in (
        Role.SUPERVISOR,
        Role.AGENCY_ADMIN,
    ):
        raise PermissionDenied("Only a supervisor of the originator agency decides this request.")
    if request.state != AccessRequestState.PENDING:
        raise ValidationError(f"This request was already {request.state}.")
    if not approve and not note.strip():
        raise ValidationError({"note": _("Say why the request is refused.")})
    if approve:
        report = _locked_for_change(report)
        denial = access_request_denial(ReportFacts.of(report), request.requesting_agency.country_id)
        if denial is not None:
            audit.record_denial(
                actor,
                AuditAction.ACCESS_APPROVED,
                [report],
                context=context,
                recipients=[f"agency:{request.requesting_agency.code}"],
                details={"denied": denial.value},
            )
            if denial == Denial.REL_TO:
                raise ValidationError(
                    _(
                        "The requesting agency's country is outside the report's REL TO: edit"
                        " the report to widen REL TO first, or refuse the request."
                    )
                )
            raise ValidationError(_("Only a published report can be released."))
    request.state = AccessRequestState.APPROVED if approve else AccessRequestState.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save()
    if approve:
        disseminate(report, reason="access request approved")
    audit.record(
        actor,
        AuditAction.ACCESS_APPROVED if approve else AuditAction.ACCESS_REFUSED,
        [report],
        context=context,
        justification=note,
        recipients=[f"agency:{request.requesting_agency.code}"],
        details={"request": request.pk},
    )
    return request
