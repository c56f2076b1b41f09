"""Django's has_perm on a report gives the answer of visible_to, for everyone, superusers too."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser, Permission

from agencies.models import Agency, User
from sharing.models import Agreement, Report, ReportGroupObjectPermission, Tlp
from tests.helpers import sees

Publish = Callable[..., Report]
VIEW = "sharing.view_report"


def _fresh(user: User) -> User:
    # A new request: the principal is resolved again and permission caches are empty.
    return User.objects.get(pk=user.pk)


def test_partner_analyst_may_view_a_report_shared_under_an_agreement(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Agreement
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    assert sees(bravo_analyst, report)
    assert _fresh(bravo_analyst).has_perm(VIEW, report)


def test_analyst_of_a_deactivated_agency_may_view_nothing(
    publish: Publish, alpha_analyst: User, alpha: Agency
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    assert _fresh(alpha_analyst).has_perm(VIEW, report)
    Agency.objects.filter(pk=alpha.pk).update(is_active=False)
    assert not sees(alpha_analyst, report)
    assert not _fresh(alpha_analyst).has_perm(VIEW, report)


@pytest.mark.parametrize("kind", ["superuser", "portal admin"])
def test_superuser_or_portal_admin_without_membership_may_not_view_a_report(
    publish: Publish, alpha_analyst: User, portal_admin: User, kind: str
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.CLEAR)
    admin = (
        User.objects.create_superuser("root", password="unused-password-2026")
        if kind == "superuser"
        else portal_admin
    )
    assert not sees(admin, report)
    assert not _fresh(admin).has_perm(VIEW, report)
    assert not _fresh(admin).has_perms([VIEW], report)
    assert not async_to_sync(_fresh(admin).ahas_perm)(VIEW, report)


def test_superuser_member_may_view_what_its_agency_sees_and_nothing_more(
    publish: Publish, alpha_analyst: User, charlie_analyst: User, agreement_ab: Agreement
) -> None:
    own = publish(charlie_analyst, tlp=Tlp.AMBER)
    foreign = publish(alpha_analyst, tlp=Tlp.AMBER)
    User.objects.filter(pk=charlie_analyst.pk).update(is_staff=True, is_superuser=True)
    admin = _fresh(charlie_analyst)
    assert admin.has_perm(VIEW, own)
    assert not admin.has_perm(VIEW, foreign)


def test_model_level_view_report_does_not_widen_object_checks(
    publish: Publish, alpha_analyst: User, charlie_analyst: User
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.AMBER)
    view = Permission.objects.get(content_type__app_label="sharing", codename="view_report")
    charlie_analyst.user_permissions.add(view)
    charlie_analyst.groups.first().permissions.add(view)  # type: ignore[union-attr]
    charlie = _fresh(charlie_analyst)
    assert charlie.has_perm(VIEW)
    assert not charlie.has_perm(VIEW, report)


def test_model_level_checks_keep_working_for_superusers(db: None) -> None:
    superuser = User.objects.create_superuser("root", password="unused-password-2026")
    # The admin asks without an object; those answers stay Django's.
    assert superuser.has_perm(VIEW)
    assert superuser.has_perm("sharing.change_agreement")
    assert superuser.has_module_perms("sharing")


def test_no_other_object_permission_on_a_report_is_granted(
    publish: Publish, alpha_analyst: User, alpha: Agency, portal_admin: User
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.GREEN)
    # Even a grant row on the analyst's own group gives no object permission but view.
    change = Permission.objects.get(content_type__app_label="sharing", codename="change_report")
    ReportGroupObjectPermission.objects.create(
        content_object=report, permission=change, group=alpha.group
    )
    analyst = _fresh(alpha_analyst)
    assert analyst.has_perm(VIEW, report)
    assert not analyst.has_perm("sharing.change_report", report)
    assert not analyst.has_perm("sharing.delete_report", report)
    assert not _fresh(portal_admin).has_perm("sharing.change_report", report)


def test_anonymous_and_inactive_users_may_view_nothing(
    publish: Publish, alpha_analyst: User
) -> None:
    report = publish(alpha_analyst, tlp=Tlp.CLEAR)
    assert not AnonymousUser().has_perm(VIEW, report)
    User.objects.filter(pk=alpha_analyst.pk).update(is_active=False)
    assert not _fresh(alpha_analyst).has_perm(VIEW, report)
