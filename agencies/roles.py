"""The portal-admin role, defined once: services check it, admin pages hide what it forbids."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from agencies.models import Role, User

# A permission rather than `is_staff`: staff accounts may reach the admin to look things up
# without being allowed to change agreements, agencies, members or keys. Superusers hold every
# permission, so they are portal admins too; refusing them would be pretence, since a
# superuser can grant themself the permission.
PORTAL_ADMIN_PERMISSION = "agencies.portal_admin"


def is_portal_admin(user: User | AnonymousUser | None) -> bool:
    """Whether `user` is an active staff account holding the portal-admin permission."""
    return bool(
        user is not None
        and user.is_active
        and user.is_staff
        and user.has_perm(PORTAL_ADMIN_PERMISSION)
    )


def is_agency_admin(user: User | AnonymousUser | None, agency_id: int) -> bool:
    """Whether `user` is an active admin of the agency (they run its members and systems)."""
    if user is None or not user.is_active or not isinstance(user, User):
        return False
    membership = getattr(user, "membership", None)
    return bool(
        membership is not None
        and membership.agency_id == agency_id
        and membership.role == Role.AGENCY_ADMIN
    )
