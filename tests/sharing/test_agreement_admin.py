"""Portal admins manage agreements in the admin, through the services, with CSRF and audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from agencies.models import Agency, Country, User
from sharing.models import (
    Agreement,
    AgreementState,
    AuditAction,
    AuditChannel,
    AuditEvent,
    Category,
    Report,
    ReportGroupObjectPermission,
)
from tests.helpers import sees, signed_in

Publish = Callable[..., Report]


def _state_url(agreement: Agreement, change: str) -> str:
    return reverse("admin:sharing_agreement_change_state", args=[agreement.pk, change])


def test_create_activate_suspend_reactivate_terminate_in_the_admin(
    publish: Publish,
    alpha_analyst: User,
    bravo_analyst: User,
    portal_admin: User,
    country_a: Country,
    country_b: Country,
    drugs: Category,
) -> None:
    earlier = publish(alpha_analyst)
    admin = signed_in(portal_admin)
    response = admin.post(
        reverse("admin:sharing_agreement_add"),
        {
            "title": "Alphaland-Bravonia drugs",
            "reference": "MOU/XA-XB/ADMIN",
            "parties": [country_a.pk, country_b.pk],
            "categories": [drugs.pk],
            "max_tlp": "2",
            "valid_from": (timezone.localdate() - dt.timedelta(days=30)).isoformat(),
        },
    )
    agreement = Agreement.objects.get(reference="MOU/XA-XB/ADMIN")
    assert response.status_code == 302
    assert agreement.state == AgreementState.DRAFT
    page = admin.get(reverse("admin:sharing_agreement_change", args=[agreement.pk])).content
    assert b"Activate" in page
    assert b"Alphaland" in page

    activated = admin.post(_state_url(agreement, "activate"), {"share_existing": "on"}, follow=True)
    assert sees(bravo_analyst, earlier)
    # Shared from now on; the page says the record is still being written (tests run inside
    # a transaction, so the task queued on commit has not run).
    assert b"access under it began at" in activated.content
    page = admin.get(reverse("admin:sharing_agreement_change", args=[agreement.pk])).content
    assert b"access under it began at" in page
    assert b"the record of that is being written" in page

    # Suspension needs a reason; without one nothing changes.
    refused = admin.post(_state_url(agreement, "suspend"), {"reason": " "})
    assert refused.status_code == 200
    assert b"reason" in refused.content
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.ACTIVE
    done = admin.post(_state_url(agreement, "suspend"), {"reason": "handling breach"}, follow=True)
    assert b"is now suspended" in done.content
    assert not sees(bravo_analyst, earlier)
    event = AuditEvent.objects.get(action=AuditAction.AGREEMENT_SUSPENDED)
    assert event.channel == AuditChannel.ADMIN
    assert event.justification == "handling breach"

    admin.post(_state_url(agreement, "reactivate"), {"reason": "resolved"})
    assert sees(bravo_analyst, earlier)
    admin.post(_state_url(agreement, "terminate"), {"reason": "treaty ended"})
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.TERMINATED
    assert not sees(bravo_analyst, earlier)
    # A terminated agreement offers no change, and asking for one says why.
    stale = admin.get(_state_url(agreement, "reactivate"), follow=True)
    assert b"cannot be reactivated" in stale.content


def test_amend_removes_a_party_in_the_admin(
    publish: Publish,
    alpha_analyst: User,
    charlie_analyst: User,
    portal_admin: User,
    country_a: Country,
    country_b: Country,
    country_c: Country,
    drugs: Category,
    agreement_abc: Agreement,
) -> None:
    report = publish(alpha_analyst)
    assert sees(charlie_analyst, report)
    admin = signed_in(portal_admin)
    form = admin.get(_state_url(agreement_abc, "amend"))
    assert form.status_code == 200
    assert country_c.name.encode() in form.content
    admin.post(
        _state_url(agreement_abc, "amend"),
        {
            "parties": [country_a.pk, country_b.pk],
            "categories": [drugs.pk],
            "max_tlp": "2",
            "reason": "XC withdrew",
        },
    )
    assert not sees(charlie_analyst, report)


def test_refusals_come_back_as_form_errors(
    portal_admin: User, country_a: Country, drugs: Category
) -> None:
    admin = signed_in(portal_admin)
    response = admin.post(
        reverse("admin:sharing_agreement_add"),
        {
            "title": "Solo",
            "reference": "SOLO/ADMIN",
            "parties": [country_a.pk],
            "categories": [drugs.pk],
            "max_tlp": "1",
            "valid_from": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 200
    assert b"at least two different party countries" in response.content
    assert not Agreement.objects.filter(reference="SOLO/ADMIN").exists()
    missing = admin.get(reverse("admin:sharing_agreement_change_state", args=[999_999, "suspend"]))
    assert missing.status_code == 404
    unknown = admin.get(reverse("admin:sharing_agreement_change_state", args=[1, "delete"]))
    assert unknown.status_code == 404


def test_only_portal_admins_and_only_with_a_csrf_token(
    bravo_analyst: User, portal_admin: User, agreement_ab: Agreement
) -> None:
    url = _state_url(agreement_ab, "suspend")
    analyst = signed_in(bravo_analyst)
    assert analyst.post(url, {"reason": "x"}).status_code == 302  # to the admin login
    assert analyst.get(reverse("admin:sharing_agreement_add")).status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(portal_admin)
    assert strict.post(url, {"reason": "no token"}).status_code == 403
    agreement_ab.refresh_from_db()
    assert agreement_ab.state == AgreementState.ACTIVE


def test_the_admin_has_no_object_permission_pages_to_grant_around_the_rules(
    publish: Publish, alpha_analyst: User, portal_admin: User, charlie: Agency
) -> None:
    report = publish(alpha_analyst)
    admin = signed_in(portal_admin)
    change = reverse("admin:sharing_report_change", args=[report.pk])
    for path in (f"{change}permissions/", f"{change}permissions/group-manage/{charlie.group_id}/"):
        assert admin.post(path, {"permissions": ["view_report"]}).status_code in (302, 404)
    assert not ReportGroupObjectPermission.objects.filter(group=charlie.group).exists()
    with pytest.raises(NoReverseMatch):
        reverse("admin:sharing_report_permissions", args=[report.pk])


def test_staff_without_the_role_see_agreements_but_are_offered_no_change(
    staff_member: User, agreement_ab: Agreement
) -> None:
    staff_member.user_permissions.add(Permission.objects.get(codename="view_agreement"))
    staff = signed_in(staff_member)

    page = staff.get(reverse("admin:sharing_agreement_change", args=[agreement_ab.pk]))

    assert page.status_code == 200
    assert page.context["lifecycle"] == []
    assert b"change-state" not in page.content
    assert staff.get(reverse("admin:sharing_agreement_add")).status_code == 403
    assert staff.post(_state_url(agreement_ab, "suspend"), {"reason": "x"}).status_code == 403
    agreement_ab.refresh_from_db()
    assert agreement_ab.state == AgreementState.ACTIVE


def test_the_admin_offers_what_the_change_table_allows_from_each_state(
    portal_admin: User, agreement_ab: Agreement
) -> None:
    from sharing.services import CHANGES

    admin = signed_in(portal_admin)
    for state in AgreementState:
        Agreement.objects.filter(pk=agreement_ab.pk).update(
            state=state, enforced=False, pending_since=None, unsettled_since=None
        )
        page = admin.get(reverse("admin:sharing_agreement_change", args=[agreement_ab.pk]))
        for change, spec in CHANGES.items():
            link = _state_url(agreement_ab, change.value).encode()
            assert (link in page.content) == (state in spec.allowed_from), (state, change)
