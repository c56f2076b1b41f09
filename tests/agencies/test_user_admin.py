"""Users in the admin: created, given passwords, roles and access only through the services."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from agencies.models import Membership, User
from agencies.roles import is_portal_admin
from sharing.models import AuditAction, AuditEvent
from tests.helpers import signed_in

NEW_PASSWORD = "a long and unusual passphrase 42"


def _event(action: AuditAction) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


def test_portal_admin_creates_a_user_and_sets_their_password_through_the_services(
    portal_admin: User,
) -> None:
    admin = signed_in(portal_admin)
    response = admin.post(
        reverse("admin:agencies_user_add"),
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="newcomer")
    assert _event(AuditAction.USER_CREATED).actor_user == portal_admin

    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = admin.post(
        url,
        {
            "password1": NEW_PASSWORD + "!",
            "password2": NEW_PASSWORD + "!",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    assert Client().login(username="newcomer", password=NEW_PASSWORD + "!")
    assert _event(AuditAction.USER_PASSWORD_SET).object_ids == [str(user.pk)]


def test_roles_and_access_are_actions_not_checkboxes(
    portal_admin: User, alpha_analyst: User
) -> None:
    admin = signed_in(portal_admin)
    form = admin.get(reverse("admin:agencies_user_change", args=[alpha_analyst.pk]))
    editable = set(form.context["adminform"].form.fields)
    assert {"is_active", "is_staff", "is_superuser", "groups", "user_permissions"}.isdisjoint(
        editable
    )
    changelist = reverse("admin:agencies_user_changelist")

    admin.post(changelist, {"action": "grant_portal_admin", "_selected_action": [alpha_analyst.pk]})

    assert is_portal_admin(User.objects.get(pk=alpha_analyst.pk))
    assert _event(AuditAction.ROLE_GRANTED).actor_user == portal_admin

    admin.post(changelist, {"action": "deactivate", "_selected_action": [alpha_analyst.pk]})

    assert not User.objects.get(pk=alpha_analyst.pk).is_active
    assert _event(AuditAction.USER_DEACTIVATED).actor_user == portal_admin


def test_removing_a_membership_in_the_admin_takes_the_groups_away_and_is_audited(
    portal_admin: User, alpha_analyst: User
) -> None:
    membership = Membership.objects.get(user=alpha_analyst)
    admin = signed_in(portal_admin)

    response = admin.post(
        reverse("admin:agencies_membership_delete", args=[membership.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Membership.objects.filter(user=alpha_analyst).exists()
    assert not Group.objects.filter(user=alpha_analyst).exists()
    event = _event(AuditAction.MEMBERSHIP_REMOVED)
    assert event.details == {"agency": "alpha", "role": "analyst"}


def test_staff_without_the_role_cannot_manage_users(
    staff_member: User, alpha_analyst: User
) -> None:
    staff = signed_in(staff_member)
    url = reverse("admin:auth_user_password_change", args=[alpha_analyst.pk])
    assert (
        staff.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 403
    )
    assert staff.get(reverse("admin:agencies_user_add")).status_code == 403
