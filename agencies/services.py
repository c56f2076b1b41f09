"""Writes for countries, agencies, memberships and partner systems; one transaction each."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from agencies.models import (
    Agency,
    Country,
    Membership,
    PartnerAPIKey,
    PartnerSystem,
    Role,
    Scope,
    User,
)
from sharing import audit
from sharing.access.principals import forget
from sharing.constants import EVERY_AGENCY_GROUP
from sharing.models import AuditAction


@transaction.atomic
def create_country(*, code: str, name: str) -> Country:
    code = code.strip().upper()
    group, _ = Group.objects.get_or_create(name=Country.group_name(code))
    country, _ = Country.objects.get_or_create(code=code, defaults={"name": name, "group": group})
    return country


@transaction.atomic
def create_agency(
    *, code: str, name: str, kind: str, country: Country, short_name: str = ""
) -> Agency:
    group, _ = Group.objects.get_or_create(name=Agency.group_name(code))
    agency, _ = Agency.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "short_name": short_name,
            "kind": kind,
            "country": country,
            "group": group,
        },
    )
    return agency


@transaction.atomic
def set_membership(
    user: User, agency: Agency, role: str = Role.ANALYST, *, actor: User | None
) -> Membership:
    """Put `user` in `agency` with `role`; their groups follow (agency, country, every agency)."""
    if actor is not None and not _may_manage(actor, agency):
        raise PermissionDenied("Only portal admins or this agency's admins manage its members.")
    previous = Membership.objects.filter(user=user).select_related("agency__country").first()
    if previous is not None:
        user.groups.remove(previous.agency.group, previous.agency.country.group)
    membership, _ = Membership.objects.update_or_create(
        user=user, defaults={"agency": agency, "role": role}
    )
    every, _ = Group.objects.get_or_create(name=EVERY_AGENCY_GROUP)
    user.groups.add(agency.group, agency.country.group, every)
    forget(user)
    audit.record(
        actor,
        AuditAction.MEMBERSHIP_CHANGED,
        [user],
        details={
            "agency": agency.code,
            "role": role,
            "previous_agency": previous.agency.code if previous else None,
        },
    )
    return membership


def _may_manage(actor: User, agency: Agency) -> bool:
    if actor.is_staff:
        return True
    membership = getattr(actor, "membership", None)
    return bool(
        membership and membership.agency_id == agency.pk and membership.role == Role.AGENCY_ADMIN
    )


@transaction.atomic
def create_partner_system(*, agency: Agency, name: str, description: str = "") -> PartnerSystem:
    partner, _ = PartnerSystem.objects.get_or_create(
        agency=agency, name=name, defaults={"description": description}
    )
    return partner


@transaction.atomic
def create_api_key(
    partner: PartnerSystem,
    *,
    name: str,
    scope: str = Scope.READ,
    expires_at: dt.datetime | None = None,
    actor: User | None,
) -> tuple[PartnerAPIKey, str]:
    """Create a key; the clear key is returned once and stored only as a hash."""
    if scope not in Scope.values:
        raise ValidationError(f"Unknown scope {scope!r}; use one of {', '.join(Scope.values)}.")
    if not name.strip():
        raise ValidationError("An API key needs a name.")
    if actor is not None and not _may_manage(actor, partner.agency):
        raise PermissionDenied("Only portal admins or this agency's admins create its keys.")
    key: PartnerAPIKey
    key, raw = PartnerAPIKey.objects.create_key(  # type: ignore[assignment]
        partner=partner, name=name.strip()[:50], scope=scope, expiry_date=expires_at
    )
    audit.record(
        actor,
        AuditAction.API_KEY_CREATED,
        [partner],
        details={"prefix": key.prefix, "scope": scope, "expires": str(expires_at or "")},
    )
    return key, raw


@transaction.atomic
def revoke_api_key(key: PartnerAPIKey, *, actor: User | None, reason: str = "") -> None:
    if actor is not None and not _may_manage(actor, key.partner.agency):
        raise PermissionDenied("Only portal admins or this agency's admins revoke its keys.")
    key.revoked = True
    key.save(update_fields=["revoked"])
    audit.record(
        actor,
        AuditAction.API_KEY_REVOKED,
        [key.partner],
        justification=reason,
        details={"prefix": key.prefix},
    )
