"""Deactivating an agency ends its members' and partner systems' access at once, audited."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

from agencies.models import Agency, PartnerSystem, User
from agencies.services import create_api_key
from sharing.models import Agreement, AuditAction, AuditChannel, AuditEvent, Report
from tests.helpers import sees, signed_in

Publish = Callable[..., Report]


def _partner_sees(partner: PartnerSystem, report: Report) -> bool:
    fresh = PartnerSystem.objects.get(pk=partner.pk)  # a new request resolves afresh
    return Report.objects.visible_to(fresh).filter(pk=report.pk).exists()


def test_deactivating_an_agency_in_the_admin_cuts_its_users_and_systems_and_is_audited(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    bravo_partner: PartnerSystem,
    bravo: Agency,
    portal_admin: User,
    agreement_ab: Agreement,
) -> None:
    report = publish(alpha_analyst)
    create_api_key(bravo_partner, name="feed", actor=None)  # a partner system acts by its keys
    assert sees(bravo_analyst, report)
    assert _partner_sees(bravo_partner, report)
    admin = signed_in(portal_admin)
    changelist = reverse("admin:agencies_agency_changelist")

    response = admin.post(changelist, {"action": "deactivate", "_selected_action": [bravo.pk]})

    assert response.status_code == 302
    assert not sees(bravo_analyst, report)
    assert not _partner_sees(bravo_partner, report)
    event = AuditEvent.objects.get(action=AuditAction.AGENCY_DEACTIVATED)
    assert event.actor_user == portal_admin
    assert event.channel == AuditChannel.ADMIN
    assert event.object_ids == [str(bravo.pk)]
    assert event.details == {"members": 1, "partner_systems": 1}

    admin.post(changelist, {"action": "reactivate", "_selected_action": [bravo.pk]})

    assert sees(bravo_analyst, report)
    assert AuditEvent.objects.filter(action=AuditAction.AGENCY_REACTIVATED).count() == 1


def test_the_agency_form_edits_names_through_the_service_and_not_the_active_flag(
    bravo: Agency, portal_admin: User
) -> None:
    admin = signed_in(portal_admin)
    url = reverse("admin:agencies_agency_change", args=[bravo.pk])
    form = admin.get(url).context["adminform"].form
    assert "is_active" not in form.fields

    response = admin.post(
        url, {"name": "Bravo National Police", "short_name": "BNP", "kind": "police"}
    )

    assert response.status_code == 302
    bravo.refresh_from_db()
    assert (bravo.name, bravo.is_active) == ("Bravo National Police", True)
    event = AuditEvent.objects.get(action=AuditAction.AGENCY_CHANGED)
    assert event.details["before"] == {"name": "Bravo Police", "short_name": ""}
    assert event.details["after"] == {"name": "Bravo National Police", "short_name": "BNP"}


def test_staff_without_the_role_are_offered_no_agency_changes(
    bravo: Agency, staff_member: User
) -> None:
    staff = signed_in(staff_member)
    changelist = reverse("admin:agencies_agency_changelist")

    assert staff.get(changelist).status_code == 403
    assert (
        staff.post(changelist, {"action": "deactivate", "_selected_action": [bravo.pk]}).status_code
        == 403
    )
    bravo.refresh_from_db()
    assert bravo.is_active
