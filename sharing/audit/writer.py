"""The only writer of AuditEvent rows: `record()` for exchanges, `record_denial()` for refusals.

`record()` writes on the caller's connection, inside the caller's transaction, so an exchange
and its event commit together or not at all: a publish that rolls back leaves no "published"
event behind.

A denial is the opposite case. The refusal is usually followed by an exception (a 404, a
PermissionDenied) that rolls back the transaction around it (an API view under `atomic`, a
service checking inside its own transaction, `ATOMIC_REQUESTS`), and the record of the
attempt must not go with it. So every denial goes through `record_denial()`, which writes on
the "audit" database alias: a second connection to the same database, always in autocommit
(settings.py builds it from the default alias), so the row is committed when the call
returns, whatever the caller's transaction does next. Never open `atomic(using="audit")`.

Why a second connection rather than recording once the rollback has happened (an on-rollback
hook, or the "record after the block" that forward_report used to do case by case): Django
has no rollback hook; a savepoint rolled back inside a transaction that later commits would
lose the row all the same; and each caller would have to know how many transactions it runs
inside. The second connection asks nothing of the caller and keeps no state between calls.
Its cost is one more database connection per worker thread that has recorded a denial.

The one way it could fail is a wait: the caller blocks on the denial's insert, so if the
insert waited on a lock the caller holds, the thread would hang, and PostgreSQL cannot see
that as a deadlock. Hence AuditEvent's foreign keys are not enforced by the database (an
enforced key locks the agency and country rows FOR KEY SHARE, and cannot see an agency the
caller has not committed yet), the table has no unique key besides its sequence-fed id, and
the alias runs with a lock_timeout, so a lock of that kind added later (say, a sealer
locking the table inside the caller's transaction) fails loudly instead of hanging.

`record()` refuses `outcome=DENIED` rather than routing it to `record_denial()`: the two
promise different things (commit with the caller, or commit now), and a call site should
say which one it relies on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from agencies.models import Agency, PartnerAPIKey, User
from sharing.audit.context import SYSTEM, RequestContext, current
from sharing.audit.models import AuditAction, AuditEvent, AuditOutcome

Actor = User | PartnerAPIKey | None

# settings.DATABASES["audit"]: the default database, in autocommit, on a connection of its own.
DENIALS_DATABASE = "audit"


def _actor_fields(actor: Actor) -> dict[str, Any]:
    # Ids rather than instances: the row may be saved on the denials' connection.
    if isinstance(actor, PartnerAPIKey):
        agency: Agency | None = actor.partner.agency
        return {
            "actor_key_id": actor.pk,
            "actor_label": f"key:{actor.prefix} ({actor.partner.name})",
            "agency_id": agency.pk if agency else None,
            "country_id": agency.country_id if agency else None,
        }
    if isinstance(actor, User):
        agency = actor.agency
        return {
            "actor_user_id": actor.pk,
            "actor_label": actor.get_username(),
            "agency_id": agency.pk if agency else None,
            "country_id": agency.country_id if agency else None,
        }
    return {"actor_label": "system"}


def _event(
    actor: Actor,
    action: AuditAction,
    objects: Iterable[models.Model],
    *,
    context: RequestContext,
    outcome: AuditOutcome,
    recipients: Iterable[str],
    justification: str,
    details: dict[str, Any] | None,
) -> AuditEvent:
    if context is SYSTEM:
        # The caller said nothing: the request, task or command it runs in says where from.
        context = current()
    objs = list(objects)
    object_type = objs[0]._meta.label_lower if objs else ""
    object_ids = [str(getattr(obj, "uuid", None) or obj.pk) for obj in objs]
    return AuditEvent(
        occurred_at=timezone.now(),
        action=action,
        object_type=object_type,
        object_ids=object_ids,
        recipients=sorted(recipients),
        justification=justification,
        channel=context.channel,
        ip=context.ip,
        request_id=context.request_id,
        outcome=outcome,
        details={**context.extra, **(details or {})},
        **_actor_fields(actor),
    )


def record(
    actor: Actor,
    action: AuditAction,
    objects: Iterable[models.Model] = (),
    *,
    context: RequestContext = SYSTEM,
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
    recipients: Iterable[str] = (),
    justification: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record an exchange in the caller's transaction: it commits or rolls back with it."""
    if outcome == AuditOutcome.DENIED:
        raise ValueError("A denial must survive a rollback: record it with record_denial().")
    event = _event(
        actor,
        action,
        objects,
        context=context,
        outcome=outcome,
        recipients=recipients,
        justification=justification,
        details=details,
    )
    event.save(force_insert=True)
    return event


def record_denial(
    actor: Actor,
    action: AuditAction,
    objects: Iterable[models.Model] = (),
    *,
    context: RequestContext = SYSTEM,
    recipients: Iterable[str] = (),
    justification: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record a refused attempt, committed at once: a later rollback of the caller keeps it."""
    event = _event(
        actor,
        action,
        objects,
        context=context,
        outcome=AuditOutcome.DENIED,
        recipients=recipients,
        justification=justification,
        details=details,
    )
    event.save(force_insert=True, using=DENIALS_DATABASE)
    return event
