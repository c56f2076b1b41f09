"""Saved searches (kept by an analyst, watched by alerts) and the stop-list of common values."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.roles import is_portal_admin
from sharing import audit
from sharing.audit import SYSTEM, RequestContext
from sharing.models import AuditAction, CommonValue, IndicatorType, SavedSearch

MAX_SAVED_SEARCHES = 100


@transaction.atomic
def save_search(
    *,
    actor: User,
    name: str,
    query: str,
    filters: Mapping[str, Any],
    context: RequestContext = SYSTEM,
) -> SavedSearch:
    """Keep a search (its text and the page's filter parameters) under a name of the actor's."""
    agency = actor.agency
    if agency is None or not agency.is_active:
        raise PermissionDenied("You are not a member of an active agency.")
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the search a name.")})
    if not query.strip() and not filters:
        raise ValidationError({"name": _("There is nothing to save: type a query or filter.")})
    if SavedSearch.objects.filter(owner=actor, name=name).exists():
        raise ValidationError({"name": _("You already have a saved search of that name.")})
    if SavedSearch.objects.filter(owner=actor).count() >= MAX_SAVED_SEARCHES:
        raise ValidationError({"name": _("You have too many saved searches: delete some first.")})
    saved = SavedSearch(owner=actor, agency=agency, name=name, query=query, filters=dict(filters))
    saved.full_clean()
    saved.save()
    audit.record(
        actor,
        AuditAction.SEARCH_SAVED,
        [saved],
        context=context,
        details={"query": query, "filters": dict(filters)},
    )
    return saved


@transaction.atomic
def delete_saved_search(
    saved: SavedSearch, *, actor: User, context: RequestContext = SYSTEM
) -> None:
    if saved.owner_id != actor.pk:
        raise PermissionDenied("Only its owner deletes a saved search.")
    audit.record(actor, AuditAction.SEARCH_DELETED, [saved], context=context)
    saved.delete()


def _require_portal_admin(actor: User | None) -> None:
    if actor is not None and not is_portal_admin(actor):
        raise PermissionDenied("Only portal admins keep the stop-list.")


@transaction.atomic
def add_common_value(
    *,
    actor: User | None,
    type: str,  # noqa: A002 - the indicator's type, as the model names it
    value: str,
    note: str = "",
    context: RequestContext = SYSTEM,
) -> CommonValue:
    """Put a value (or an IP network) on the stop-list: correlation and lookups skip it."""
    _require_portal_admin(actor)
    value = value.strip()
    if "/" in value and type in ("", IndicatorType.IP):
        try:
            value = str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            if type == IndicatorType.IP:
                raise ValidationError({"value": _("This is not an IP network.")}) from None
    entry = CommonValue(type=type, value=value, note=note.strip())
    entry.full_clean()
    entry.save()
    audit.record(
        actor,
        AuditAction.COMMON_VALUE_ADDED,
        [entry],
        context=context,
        details={"type": type, "value": value},
    )
    return entry


@transaction.atomic
def remove_common_value(
    entry: CommonValue, *, actor: User | None, context: RequestContext = SYSTEM
) -> None:
    _require_portal_admin(actor)
    audit.record(
        actor,
        AuditAction.COMMON_VALUE_REMOVED,
        [entry],
        context=context,
        details={"type": entry.type, "value": entry.value},
    )
    entry.delete()
