"""Writes for countries, agencies, users, memberships and partner systems; one transaction each.

Every service takes a keyword-only `actor` and writes exactly one audit event. `actor=None`
is the system itself (management commands, the demo seed, migrations); a user actor is checked
against the portal-admin role (`agencies.roles.is_portal_admin`) or, where an agency may run
its own affairs, against that agency's admins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model

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
from agencies.roles import PORTAL_ADMIN_PERMISSION, is_agency_admin, is_portal_admin
from sharing import audit
from sharing.access.principals import forget
from sharing.audit import SYSTEM, RequestContext
from sharing.constants import EVERY_AGENCY_GROUP
from sharing.models import AuditAction

# What the change services may touch. Codes and countries stay fixed once created: the auth
# groups that hold the grants are named after them.
AGENCY_FIELDS = ("name", "short_name", "kind")
PARTNER_SYSTEM_FIELDS = ("name", "description", "webhook_url", "is_active")
USER_FIELDS = ("first_name", "last_name", "email")


def _require_portal_admin(actor: User | None, doing: str) -> None:
    if actor is not None and not is_portal_admin(actor):
        raise PermissionDenied(f"Only portal admins {doing}.")


def _require_manager(actor: User | None, agency: Agency, doing: str) -> None:
    if actor is not None and not (is_portal_admin(actor) or is_agency_admin(actor, agency.pk)):
        raise PermissionDenied(f"Only portal admins or this agency's admins {doing}.")


def _apply_changes(
    obj: Model, changes: Mapping[str, Any], allowed: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """Set `changes` on `obj` (validated); return the before and after values for the record."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    before = {name: getattr(obj, name) for name in changes}
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save(update_fields=list(changes))
    return {"before": before, "after": {name: getattr(obj, name) for name in changes}}


def _fresh(model: type[Any], obj: Model) -> Any:
    """The row as stored, locked: an admin form may already have changed `obj` in memory."""
    return model._default_manager.select_for_update().get(pk=obj.pk)


# -- countries and agencies ------------------------------------------------------------------


@transaction.atomic
def create_country(
    *, actor: User | None, code: str, name: str, context: RequestContext = SYSTEM
) -> Country:
    """A country and its auth group (`country:XX`), which its grants are given to."""
    _require_portal_admin(actor, "create countries")
    code = code.strip().upper()
    if Country.objects.filter(code=code).exists():
        raise ValidationError(f"Country {code} already exists.")
    group, _ = Group.objects.get_or_create(name=Country.group_name(code))
    country = Country(code=code, name=name.strip(), group=group)
    country.full_clean()
    country.save()
    audit.record(
        actor,
        AuditAction.COUNTRY_CREATED,
        [country],
        context=context,
        details={"code": code, "name": country.name},
    )
    return country


@transaction.atomic
def create_agency(
    *,
    actor: User | None,
    code: str,
    name: str,
    kind: str,
    country: Country,
    short_name: str = "",
    context: RequestContext = SYSTEM,
) -> Agency:
    """An agency of `country` and its auth group (`agency:<code>`)."""
    _require_portal_admin(actor, "create agencies")
    code = code.strip()
    if Agency.objects.filter(code=code).exists():
        raise ValidationError(f"Agency {code} already exists.")
    group, _ = Group.objects.get_or_create(name=Agency.group_name(code))
    agency = Agency(
        code=code, name=name, short_name=short_name, kind=kind, country=country, group=group
    )
    agency.full_clean()
    agency.save()
    audit.record(
        actor,
        AuditAction.AGENCY_CREATED,
        [agency],
        context=context,
        details={"code": code, "country": country.code, "kind": kind},
    )
    return agency


@transaction.atomic
def change_agency(
    agency: Agency,
    *,
    actor: User | None,
    changes: Mapping[str, Any],
    context: RequestContext = SYSTEM,
) -> Agency:
    """Rename an agency or change its kind; its code, country and active state stay."""
    _require_portal_admin(actor, "change agencies")
    agency = _fresh(Agency, agency)
    diff = _apply_changes(agency, changes, AGENCY_FIELDS)
    audit.record(actor, AuditAction.AGENCY_CHANGED, [agency], context=context, details=diff)
    return agency


def _set_agency_active(
    agency: Agency,
    active: bool,
    *,
    actor: User | None,
    reason: str,
    context: RequestContext,
) -> Agency:
    verb = "reactivate" if active else "deactivate"
    _require_portal_admin(actor, f"{verb} agencies")
    agency = _fresh(Agency, agency)
    if agency.is_active == active:
        raise ValidationError(f"{agency} is already {'active' if active else 'inactive'}.")
    agency.is_active = active
    agency.save(update_fields=["is_active"])
    audit.record(
        actor,
        AuditAction.AGENCY_REACTIVATED if active else AuditAction.AGENCY_DEACTIVATED,
        [agency],
        context=context,
        justification=reason,
        details={
            "members": agency.memberships.count(),
            "partner_systems": agency.partner_systems.count(),
        },
    )
    return agency


@transaction.atomic
def deactivate_agency(
    agency: Agency, *, actor: User | None, reason: str = "", context: RequestContext = SYSTEM
) -> Agency:
    """Its users and partner systems see nothing from their next request on.

    Principal resolution only counts active agencies, so no grant has to be touched; the
    agency's grants and record stay for when it is reactivated.
    """
    return _set_agency_active(agency, False, actor=actor, reason=reason, context=context)


@transaction.atomic
def reactivate_agency(
    agency: Agency, *, actor: User | None, reason: str = "", context: RequestContext = SYSTEM
) -> Agency:
    """Its users and partner systems see what its grants allow again."""
    return _set_agency_active(agency, True, actor=actor, reason=reason, context=context)


# -- users and the portal-admin role ---------------------------------------------------------


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    context: RequestContext = SYSTEM,
) -> User:
    """An account with no agency yet; `password=None` leaves it unable to sign in by password."""
    _require_portal_admin(actor, "create users")
    user = User(
        username=User.normalize_username(username.strip()),
        email=User.objects.normalize_email(email),
        first_name=first_name,
        last_name=last_name,
    )
    user.full_clean(exclude=["password"])
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.save()
    audit.record(
        actor,
        AuditAction.USER_CREATED,
        [user],
        context=context,
        details={"username": user.username, "password": password is not None},
    )
    return user


@transaction.atomic
def change_user(
    user: User, *, actor: User | None, changes: Mapping[str, Any], context: RequestContext = SYSTEM
) -> User:
    """Names and e-mail; roles, agency and active state have their own services."""
    _require_portal_admin(actor, "change users")
    user = _fresh(User, user)
    diff = _apply_changes(user, changes, USER_FIELDS)
    audit.record(actor, AuditAction.USER_CHANGED, [user], context=context, details=diff)
    return user


@transaction.atomic
def set_user_password(
    user: User, *, actor: User | None, password: str | None, context: RequestContext = SYSTEM
) -> User:
    """Set another user's password, or (None) turn password sign-in off for them."""
    _require_portal_admin(actor, "set other users' passwords")
    user = _fresh(User, user)
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(
        actor,
        AuditAction.USER_PASSWORD_SET,
        [user],
        context=context,
        details={"usable": password is not None},
    )
    return user


def _set_user_active(
    user: User, active: bool, *, actor: User | None, reason: str, context: RequestContext
) -> User:
    verb = "reactivate" if active else "deactivate"
    _require_portal_admin(actor, f"{verb} users")
    if actor is not None and actor.pk == user.pk:
        raise ValidationError(f"You cannot {verb} your own account.")
    user = _fresh(User, user)
    if user.is_active == active:
        raise ValidationError(f"{user} is already {'active' if active else 'inactive'}.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    forget(user)
    audit.record(
        actor,
        AuditAction.USER_REACTIVATED if active else AuditAction.USER_DEACTIVATED,
        [user],
        context=context,
        justification=reason,
    )
    return user


@transaction.atomic
def deactivate_user(
    user: User, *, actor: User | None, reason: str = "", context: RequestContext = SYSTEM
) -> User:
    """The account is signed out and sees nothing from its next request on."""
    return _set_user_active(user, False, actor=actor, reason=reason, context=context)


@transaction.atomic
def reactivate_user(
    user: User, *, actor: User | None, reason: str = "", context: RequestContext = SYSTEM
) -> User:
    return _set_user_active(user, True, actor=actor, reason=reason, context=context)


def _portal_admin_permission() -> Permission:
    app_label, codename = PORTAL_ADMIN_PERMISSION.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def grant_portal_admin(user: User, *, actor: User | None, context: RequestContext = SYSTEM) -> User:
    """Give `user` the portal-admin role (and staff status, to reach the admin)."""
    _require_portal_admin(actor, "grant the portal-admin role")
    user = _fresh(User, user)
    if not user.is_active:
        raise ValidationError(f"{user} is inactive.")
    permission = _portal_admin_permission()
    if user.user_permissions.filter(pk=permission.pk).exists():
        raise ValidationError(f"{user} already holds the portal-admin role.")
    user.user_permissions.add(permission)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    audit.record(actor, AuditAction.ROLE_GRANTED, [user], context=context)
    return user


@transaction.atomic
def revoke_portal_admin(
    user: User, *, actor: User | None, context: RequestContext = SYSTEM
) -> User:
    """Take the role away; staff status stays (views may still be granted per model)."""
    _require_portal_admin(actor, "revoke the portal-admin role")
    user = _fresh(User, user)
    permission = _portal_admin_permission()
    if not user.user_permissions.filter(pk=permission.pk).exists():
        raise ValidationError(f"{user} does not hold the portal-admin role directly.")
    user.user_permissions.remove(permission)
    if is_portal_admin(User.objects.get(pk=user.pk)):
        # Rolled back: the role would stay through superuser status or a group.
        raise ValidationError(f"{user} is a superuser or holds the role through a group.")
    audit.record(actor, AuditAction.ROLE_REVOKED, [user], context=context)
    return user


# -- memberships -----------------------------------------------------------------------------


@transaction.atomic
def set_membership(
    user: User,
    agency: Agency,
    role: str = Role.ANALYST,
    *,
    actor: User | None,
    context: RequestContext = SYSTEM,
) -> Membership:
    """Put `user` in `agency` with `role`; their groups follow (agency, country, every agency)."""
    _require_manager(actor, agency, "manage its members")
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}; use one of {', '.join(Role.values)}.")
    previous = Membership.objects.filter(user=user).select_related("agency__country").first()
    if previous is not None:
        # Taking a member away from another agency is managing that agency's members too.
        _require_manager(actor, previous.agency, "manage its members")
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
        context=context,
        details={
            "agency": agency.code,
            "role": role,
            "previous_agency": previous.agency.code if previous else None,
        },
    )
    return membership


@transaction.atomic
def remove_membership(
    user: User, *, actor: User | None, reason: str = "", context: RequestContext = SYSTEM
) -> None:
    """Take `user` out of their agency: they see nothing from their next request on."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("agency__country")
        .filter(user=user)
        .first()
    )
    if membership is None:
        raise ValidationError(f"{user} is not a member of any agency.")
    agency = membership.agency
    _require_manager(actor, agency, "manage its members")
    every = Group.objects.filter(name=EVERY_AGENCY_GROUP).first()
    user.groups.remove(*[g for g in (agency.group, agency.country.group, every) if g])
    membership.delete()
    forget(user)
    audit.record(
        actor,
        AuditAction.MEMBERSHIP_REMOVED,
        [user],
        context=context,
        justification=reason,
        details={"agency": agency.code, "role": membership.role},
    )


# -- partner systems and their keys ----------------------------------------------------------


@transaction.atomic
def create_partner_system(
    *,
    actor: User | None,
    agency: Agency,
    name: str,
    description: str = "",
    webhook_url: str = "",
    context: RequestContext = SYSTEM,
) -> PartnerSystem:
    """A machine client of `agency`: it sees exactly what the agency sees."""
    _require_manager(actor, agency, "add its partner systems")
    partner = PartnerSystem(
        agency=agency, name=name.strip(), description=description, webhook_url=webhook_url
    )
    partner.full_clean()
    partner.save()
    audit.record(
        actor,
        AuditAction.PARTNER_SYSTEM_CREATED,
        [partner],
        context=context,
        details={"agency": agency.code, "name": partner.name, "webhook_url": webhook_url},
    )
    return partner


@transaction.atomic
def change_partner_system(
    partner: PartnerSystem,
    *,
    actor: User | None,
    changes: Mapping[str, Any],
    context: RequestContext = SYSTEM,
) -> PartnerSystem:
    """Name, description, webhook URL (where alerts go) or active state; the agency stays.

    An inactive partner system sees nothing from its next request on (principal resolution).
    """
    partner = _fresh(PartnerSystem, partner)
    _require_manager(actor, partner.agency, "change its partner systems")
    diff = _apply_changes(partner, changes, PARTNER_SYSTEM_FIELDS)
    audit.record(
        actor, AuditAction.PARTNER_SYSTEM_CHANGED, [partner], context=context, details=diff
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
    context: RequestContext = SYSTEM,
) -> tuple[PartnerAPIKey, str]:
    """Create a key; the clear key is returned once and stored only as a hash."""
    if scope not in Scope.values:
        raise ValidationError(f"Unknown scope {scope!r}; use one of {', '.join(Scope.values)}.")
    if not name.strip():
        raise ValidationError("An API key needs a name.")
    _require_manager(actor, partner.agency, "create its keys")
    key: PartnerAPIKey
    key, raw = PartnerAPIKey.objects.create_key(  # type: ignore[assignment]
        partner=partner, name=name.strip()[:50], scope=scope, expiry_date=expires_at
    )
    audit.record(
        actor,
        AuditAction.API_KEY_CREATED,
        [partner],
        context=context,
        details={"prefix": key.prefix, "scope": scope, "expires": str(expires_at or "")},
    )
    return key, raw


def _locked_key(key: PartnerAPIKey) -> PartnerAPIKey:
    locked: PartnerAPIKey = (
        PartnerAPIKey.objects.select_for_update(of=("self",))
        .select_related("partner__agency")
        .get(prefix=key.prefix)
    )
    return locked


@transaction.atomic
def revoke_api_key(
    key: PartnerAPIKey, *, actor: User | None, reason: str = "", context: RequestContext = SYSTEM
) -> None:
    key = _locked_key(key)
    _require_manager(actor, key.partner.agency, "revoke its keys")
    if key.revoked:
        raise ValidationError(f"Key {key.prefix} is already revoked.")
    key.revoked = True
    key.save(update_fields=["revoked"])
    audit.record(
        actor,
        AuditAction.API_KEY_REVOKED,
        [key.partner],
        context=context,
        justification=reason,
        details={"prefix": key.prefix},
    )


@transaction.atomic
def change_api_key_expiry(
    key: PartnerAPIKey,
    *,
    actor: User | None,
    expires_at: dt.datetime | None,
    reason: str = "",
    context: RequestContext = SYSTEM,
) -> PartnerAPIKey:
    """Move a key's expiry (None: never expires); a revoked key stays revoked."""
    key = _locked_key(key)
    _require_manager(actor, key.partner.agency, "change its keys")
    if key.revoked:
        raise ValidationError(f"Key {key.prefix} is revoked; issue a new key instead.")
    before = key.expiry_date
    key.expiry_date = expires_at
    key.save(update_fields=["expiry_date"])
    audit.record(
        actor,
        AuditAction.API_KEY_EXPIRY_CHANGED,
        [key.partner],
        context=context,
        justification=reason,
        details={
            "prefix": key.prefix,
            "before": before.isoformat() if before else None,
            "after": expires_at.isoformat() if expires_at else None,
        },
    )
    return key
