"""Partner systems in the admin: the webhook and the active flag change through the service."""

from __future__ import annotations

from django.urls import reverse

from agencies.models import PartnerSystem, User
from sharing.models import AuditAction, AuditEvent, Category, Report
from tests.helpers import signed_in

HOOK = "https://cases.bravo.example/hooks/bix"


def test_changing_the_webhook_and_switching_off_are_audited_and_the_agency_stays(
    bravo_partner: PartnerSystem, portal_admin: User
) -> None:
    admin = signed_in(portal_admin)
    url = reverse("admin:agencies_partnersystem_change", args=[bravo_partner.pk])
    assert "agency" not in admin.get(url).context["adminform"].form.fields

    response = admin.post(url, {"name": bravo_partner.name, "description": "", "webhook_url": HOOK})

    assert response.status_code == 302
    bravo_partner.refresh_from_db()
    assert bravo_partner.webhook_url == HOOK
    assert not bravo_partner.is_active  # an unticked box: the system is switched off
    assert not Report.objects.visible_to(bravo_partner).exists()
    event = AuditEvent.objects.get(action=AuditAction.PARTNER_SYSTEM_CHANGED)
    assert event.actor_user == portal_admin
    assert event.details == {
        "before": {"webhook_url": "", "is_active": True},
        "after": {"webhook_url": HOOK, "is_active": False},
    }


def test_categories_are_added_through_the_service(portal_admin: User, categories: object) -> None:
    admin = signed_in(portal_admin)

    response = admin.post(
        reverse("admin:sharing_category_add"),
        {"code": "cultural-goods", "name": "Cultural goods trafficking", "description": ""},
    )

    assert response.status_code == 302
    category = Category.objects.get(code="cultural-goods")
    event = AuditEvent.objects.get(action=AuditAction.CATEGORY_CREATED)
    assert event.object_ids == [str(category.pk)]


def test_staff_without_the_role_cannot_change_partner_systems(
    bravo_partner: PartnerSystem, staff_member: User
) -> None:
    staff = signed_in(staff_member)
    url = reverse("admin:agencies_partnersystem_change", args=[bravo_partner.pk])
    assert staff.post(url, {"name": "x", "webhook_url": HOOK, "is_active": "on"}).status_code == 403
    bravo_partner.refresh_from_db()
    assert bravo_partner.webhook_url == ""
