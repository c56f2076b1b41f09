"""Joining an agency puts a user in its agency and country groups; moving takes them out."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied

from agencies.models import Agency, Role, User
from agencies.services import set_membership
from sharing.constants import EVERY_AGENCY_GROUP
from sharing.models import AuditAction, AuditEvent


def group_names(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_joining_adds_agency_country_and_every_agency_groups(alpha_analyst: User) -> None:
    assert group_names(alpha_analyst) == {"agency:alpha", "country:XA", EVERY_AGENCY_GROUP}
    assert AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_CHANGED).exists()


def test_moving_to_another_agency_leaves_the_old_groups(
    alpha_analyst: User, bravo: Agency, portal_admin: User
) -> None:
    set_membership(alpha_analyst, bravo, Role.ANALYST, actor=portal_admin)
    assert group_names(alpha_analyst) == {"agency:bravo", "country:XB", EVERY_AGENCY_GROUP}


def test_agency_admin_manages_only_their_agency(
    make_member: Callable[..., User], alpha: Agency, bravo: Agency
) -> None:
    admin = make_member("alpha.admin", alpha, Role.AGENCY_ADMIN)
    newcomer = User.objects.create_user(username="newcomer", password="x")
    set_membership(newcomer, alpha, Role.ANALYST, actor=admin)
    with pytest.raises(PermissionDenied):
        set_membership(newcomer, bravo, Role.ANALYST, actor=admin)


def test_usernames_are_unique_whatever_their_case(alpha_analyst: User) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="ALPHA.analyst", password="x")
