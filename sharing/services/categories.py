"""Categories (the crime areas agreements cover and reports belong to): created and renamed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from agencies.models import User
from agencies.roles import is_portal_admin
from sharing import audit
from sharing.audit import SYSTEM, RequestContext
from sharing.models import AuditAction, Category

# The code stays fixed: agreements' scopes and the audit record name categories by it.
CATEGORY_FIELDS = ("name", "description")


def _require_portal_admin(actor: User | None) -> None:
    if actor is not None and not is_portal_admin(actor):
        raise PermissionDenied("Only portal admins manage categories.")


@transaction.atomic
def create_category(
    *,
    actor: User | None,
    code: str,
    name: str,
    description: str = "",
    context: RequestContext = SYSTEM,
) -> Category:
    """A new category; no agreement covers it until one is amended to."""
    _require_portal_admin(actor)
    category = Category(code=code.strip(), name=name.strip(), description=description)
    category.full_clean()
    category.save()
    audit.record(
        actor,
        AuditAction.CATEGORY_CREATED,
        [category],
        context=context,
        details={"code": category.code, "name": category.name},
    )
    return category


@transaction.atomic
def change_category(
    category: Category,
    *,
    actor: User | None,
    changes: Mapping[str, Any],
    context: RequestContext = SYSTEM,
) -> Category:
    _require_portal_admin(actor)
    unknown = set(changes) - set(CATEGORY_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    category = Category.objects.select_for_update().get(pk=category.pk)
    before = {name: getattr(category, name) for name in changes}
    for name, value in changes.items():
        setattr(category, name, value)
    category.full_clean()
    category.save(update_fields=list(changes))
    audit.record(
        actor,
        AuditAction.CATEGORY_CHANGED,
        [category],
        context=context,
        details={"code": category.code, "before": before, "after": dict(changes)},
    )
    return category
