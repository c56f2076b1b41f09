"""Subscriptions (what an agency or one of its users wants alerts about): create, change, delete."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from agencies.models import Agency, Country, User
from agencies.roles import is_agency_admin, is_portal_admin
from sharing import audit
from sharing.audit import SYSTEM, RequestContext
from sharing.models import AuditAction, Category, Channel, Subscription

# The agency stays fixed: alerts are computed for it, and its admins own the subscription.
SUBSCRIPTION_FIELDS = (
    "name",
    "user",
    "partner",
    "min_priority",
    "indicator_type",
    "indicator_value",
    "channel",
    "email_mode",
    "is_active",
)


def _require_owner(actor: User | None, agency: Agency, user: User | None) -> None:
    """Portal admins, the agency's admins, or a member for their own subscription."""
    if actor is None or is_portal_admin(actor) or is_agency_admin(actor, agency.pk):
        return
    own = user is not None and user.pk == actor.pk and actor.agency == agency
    if not own:
        raise PermissionDenied("Only the agency's admins or the subscriber manage this.")


def _check(subscription: Subscription) -> None:
    agency = subscription.agency
    user = subscription.user
    if user is not None and getattr(user.agency, "pk", None) != agency.pk:
        raise ValidationError(f"{user} is not a member of {agency}.")
    partner = subscription.partner
    if partner is not None and partner.agency_id != agency.pk:
        raise ValidationError(f"{partner} is not a partner system of {agency}.")
    if subscription.channel == Channel.WEBHOOK and partner is None:
        raise ValidationError("A webhook subscription names the partner system to call.")
    subscription.full_clean()


def _summary(subscription: Subscription) -> dict[str, Any]:
    return {
        "agency": subscription.agency.code,
        "name": subscription.name,
        "user": subscription.user_id,
        "partner": subscription.partner_id,
        "channel": subscription.channel,
        "is_active": subscription.is_active,
        "categories": sorted(c.code for c in subscription.categories.all()),
        "originator_countries": sorted(c.code for c in subscription.originator_countries.all()),
    }


def _check_fields(fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(SUBSCRIPTION_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown subscription fields: {', '.join(sorted(unknown))}.")


@transaction.atomic
def create_subscription(
    *,
    actor: User | None,
    agency: Agency,
    fields: Mapping[str, Any],
    categories: Iterable[Category] = (),
    originator_countries: Iterable[Country] = (),
    context: RequestContext = SYSTEM,
) -> Subscription:
    _check_fields(fields)
    subscription = Subscription(agency=agency, **fields)
    _require_owner(actor, agency, subscription.user)
    _check(subscription)
    subscription.save()
    subscription.categories.set(categories)
    subscription.originator_countries.set(originator_countries)
    audit.record(
        actor,
        AuditAction.SUBSCRIPTION_CREATED,
        [subscription],
        context=context,
        details=_summary(subscription),
    )
    return subscription


@transaction.atomic
def change_subscription(
    subscription: Subscription,
    *,
    actor: User | None,
    changes: Mapping[str, Any],
    categories: Iterable[Category] | None = None,
    originator_countries: Iterable[Country] | None = None,
    context: RequestContext = SYSTEM,
) -> Subscription:
    _check_fields(changes)
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("agency", "user")
        .get(pk=subscription.pk)
    )
    # Checked before and after: neither the old nor the new subscriber may be someone else's.
    _require_owner(actor, subscription.agency, subscription.user)
    before = _summary(subscription)
    for name, value in changes.items():
        setattr(subscription, name, value)
    _require_owner(actor, subscription.agency, subscription.user)
    _check(subscription)
    subscription.save()
    if categories is not None:
        subscription.categories.set(categories)
    if originator_countries is not None:
        subscription.originator_countries.set(originator_countries)
    audit.record(
        actor,
        AuditAction.SUBSCRIPTION_CHANGED,
        [subscription],
        context=context,
        details={"before": before, "after": _summary(subscription)},
    )
    return subscription


@transaction.atomic
def delete_subscription(
    subscription: Subscription, *, actor: User | None, context: RequestContext = SYSTEM
) -> None:
    """Alerts already written keep their row; they lose the link to the subscription."""
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("agency", "user")
        .get(pk=subscription.pk)
    )
    _require_owner(actor, subscription.agency, subscription.user)
    summary = _summary(subscription)
    # Recorded before the row goes, so the event names the subscription's id.
    audit.record(
        actor, AuditAction.SUBSCRIPTION_DELETED, [subscription], context=context, details=summary
    )
    subscription.delete()
