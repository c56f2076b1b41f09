"""Django's object permissions on reports, answered by the same need-to-know as `visible_to`."""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model

from agencies.models import User
from sharing.access.principals import PrincipalLike
from sharing.models import Report

VIEW_REPORT = "sharing.view_report"


def may_view(subject: PrincipalLike, report: Report) -> bool:
    """Whether the user or partner system may see `report`: `visible_to`, asked about one."""
    return Report.objects.visible_to(subject).filter(pk=report.pk).exists()


class ReportPermissionBackend(BaseBackend):
    """`sharing.view_report` on a report exactly when `visible_to` returns it; nothing else.

    It takes the place of guardian's backend, which reads `user.groups`: users are never
    members of the agreement groups that hold partner countries' grants, and they stay
    members of their agency's groups after it is deactivated. Writes to reports are decided
    by the services, not by object permissions, so no other one is ever granted.
    """

    def get_all_permissions(
        self, user_obj: AbstractBaseUser | AnonymousUser, obj: Model | None = None
    ) -> set[str]:
        return {VIEW_REPORT} if self.has_perm(user_obj, VIEW_REPORT, obj) else set()

    def has_perm(
        self, user_obj: AbstractBaseUser | AnonymousUser, perm: str, obj: Model | None = None
    ) -> bool:
        return (
            perm == VIEW_REPORT
            and isinstance(obj, Report)
            and isinstance(user_obj, User)
            and may_view(user_obj, obj)
        )
