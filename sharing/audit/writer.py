"""The only writer of AuditEvent rows, called inside the transaction of each exchange."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from agencies.models import Agency, PartnerAPIKey, User
from sharing.audit.models import AuditAction, AuditChannel, AuditEvent, AuditOutcome

Actor = User | PartnerAPIKey | None


@dataclass(frozen=True)
class RequestContext:
    """Where an exchange came from; built once per request by the web/API layer."""

    channel: str = AuditChannel.SYSTEM
    ip: str | None = None
    request_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


SYSTEM = RequestContext(channel=AuditChannel.SYSTEM)


def _actor_fields(actor: Actor) -> dict[str, Any]:
    if isinstance(actor, PartnerAPIKey):
        agency: Agency | None = actor.partner.agency
        return {
            "actor_key": actor,
            "actor_label": f"key:{actor.prefix} ({actor.partner.name})",
            "agency": agency,
            "country_id": agency.country_id if agency else None,
        }
    if isinstance(actor, User):
        agency = actor.agency
        return {
            "actor_user": actor,
            "actor_label": actor.get_username(),
            "agency": agency,
            "country_id": agency.country_id if agency else None,
        }
    return {"actor_label": "system"}


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
    objs = list(objects)
    object_type = objs[0]._meta.label_lower if objs else ""
    object_ids = [str(getattr(obj, "uuid", None) or obj.pk) for obj in objs]
    return AuditEvent.objects.create(
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
