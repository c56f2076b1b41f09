"""The audit record in the admin: portal admins only, and no report titles on its pages."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import Permission
from django.urls import reverse

from agencies.models import User
from sharing import services
from sharing.models import AuditAction, AuditEvent, Report
from tests.helpers import sees, signed_in

Publish = Callable[..., Report]


def test_staff_without_the_role_cannot_open_the_audit_record_even_with_view_permission(
    publish: Publish, alpha_analyst: User, staff_member: User
) -> None:
    publish(alpha_analyst)
    staff_member.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    event = AuditEvent.objects.filter(action=AuditAction.REPORT_PUBLISHED).get()
    staff = signed_in(staff_member)

    assert staff.get(reverse("admin:sharing_auditevent_changelist")).status_code == 403
    assert staff.get(reverse("admin:sharing_auditevent_change", args=[event.pk])).status_code == 403
    assert b"Audit events" not in staff.get(reverse("admin:index")).content


def test_portal_admins_read_the_record_without_titles_of_reports_they_may_not_see(
    publish: Publish, alpha_analyst: User, charlie_analyst: User, portal_admin: User
) -> None:
    title = "Cocaine hidden in refrigerated banana containers at Puerto Alpha"
    report = publish(alpha_analyst, title=title)
    services.request_access(report, actor=charlie_analyst, justification="joint case 17")
    services.edit_report(report, actor=alpha_analyst, changes={"title": title + ", pier 4"})
    assert not sees(portal_admin, report)
    admin = signed_in(portal_admin)
    listing = admin.get(reverse("admin:sharing_auditevent_changelist"))
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == AuditEvent.objects.count()
    pages = [listing] + [
        admin.get(reverse("admin:sharing_auditevent_change", args=[event.pk]))
        for event in AuditEvent.objects.filter(object_ids__contains=[str(report.uuid)])
    ]
    assert len(pages) == 5  # created, published, access requested, edited + the list
    for page in pages:
        assert page.status_code == 200
        assert title.encode() not in page.content
    # The pages do show the record: the justification is there, the title is not.
    assert any(b"joint case 17" in page.content for page in pages)
