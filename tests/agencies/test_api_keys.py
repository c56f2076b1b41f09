"""Partner API keys: shown once, stored hashed, prefixed, scoped, expiring and revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.contrib.admin import site as admin_site
from django.core.management import CommandError, call_command
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework_api_key.models import APIKey

from agencies.models import Agency, PartnerAPIKey, PartnerSystem, Scope, User
from agencies.services import create_api_key, revoke_api_key
from sharing.models import AuditAction, AuditChannel, AuditEvent
from tests.helpers import signed_in


def test_command_prints_the_key_last_and_stores_only_its_hash(bravo: Agency) -> None:
    out = StringIO()
    call_command("create_api_key", agency="bravo", name="Case system", scope="write", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    key = PartnerAPIKey.objects.get()
    prefix, _, _ = raw.partition(".")
    assert key.prefix == prefix
    assert key.scope == Scope.WRITE
    assert raw not in key.hashed_key
    assert raw not in key.id
    assert key.hashed_key == "sha512$$" + hashlib.sha512(raw.encode()).hexdigest()
    assert PartnerAPIKey.objects.is_valid(raw)
    assert key.partner.agency == bravo
    assert AuditEvent.objects.filter(action=AuditAction.API_KEY_CREATED).exists()


def test_command_accepts_the_agency_id_and_rejects_unknown_agencies(bravo: Agency) -> None:
    call_command("create_api_key", agency=str(bravo.pk), name="MISP", stdout=StringIO())
    with pytest.raises(CommandError, match="No agency"):
        call_command("create_api_key", agency="nobody", name="MISP", stdout=StringIO())


def test_expired_key_is_not_valid(bravo_partner: PartnerSystem) -> None:
    _, raw = create_api_key(
        bravo_partner, name="old", expires_at=timezone.now() - dt.timedelta(seconds=1), actor=None
    )
    assert not PartnerAPIKey.objects.is_valid(raw)


def test_revoked_key_is_not_valid_and_cannot_be_restored(bravo_partner: PartnerSystem) -> None:
    key, raw = create_api_key(bravo_partner, name="k", actor=None)
    revoke_api_key(key, actor=None, reason="laptop lost")
    assert not PartnerAPIKey.objects.is_valid(raw)
    key = PartnerAPIKey.objects.get(pk=key.pk)
    key.revoked = False
    with pytest.raises(Exception, match="cannot be undone"):
        key.save()


def test_wrong_secret_with_a_real_prefix_is_refused(bravo_partner: PartnerSystem) -> None:
    _, raw = create_api_key(bravo_partner, name="k", actor=None)
    prefix = raw.split(".")[0]
    assert not PartnerAPIKey.objects.is_valid(prefix + ".not-the-secret")


def test_read_scope_does_not_allow_writes(bravo_partner: PartnerSystem) -> None:
    key, _ = create_api_key(bravo_partner, name="reader", scope=Scope.READ, actor=None)
    assert key.allows(Scope.READ)
    assert not key.allows(Scope.WRITE)


def test_admin_revokes_a_key_by_prefix_through_the_service(
    bravo_partner: PartnerSystem, portal_admin: User
) -> None:
    key, raw = create_api_key(bravo_partner, name="Case system", actor=None)
    admin = signed_in(portal_admin)
    url = reverse("admin:agencies_partnerapikey_revoke", args=[key.prefix])
    assert key.hashed_key not in url
    response = admin.post(url, {"reason": "laptop lost"})
    assert response.status_code == 302
    assert not PartnerAPIKey.objects.is_valid(raw)
    event = AuditEvent.objects.get(action=AuditAction.API_KEY_REVOKED)
    assert event.actor_user == portal_admin
    assert event.justification == "laptop lost"
    assert event.channel == AuditChannel.ADMIN


def test_admin_moves_a_key_expiry_through_the_service(
    bravo_partner: PartnerSystem, portal_admin: User
) -> None:
    key, raw = create_api_key(bravo_partner, name="Case system", actor=None)
    admin = signed_in(portal_admin)
    url = reverse("admin:agencies_partnerapikey_expiry", args=[key.prefix])
    response = admin.post(
        url, {"expires_at_0": "2020-01-01", "expires_at_1": "00:00:00", "reason": "retired"}
    )
    assert response.status_code == 302
    assert not PartnerAPIKey.objects.is_valid(raw)  # a date in the past ends it now
    event = AuditEvent.objects.get(action=AuditAction.API_KEY_EXPIRY_CHANGED)
    assert event.actor_user == portal_admin
    assert event.details["before"] is None
    assert event.details["after"].startswith("2020-01-01")


def test_no_admin_page_or_url_shows_a_key_hash(
    bravo_partner: PartnerSystem, portal_admin: User
) -> None:
    key, _ = create_api_key(bravo_partner, name="Case system", actor=None)
    create_api_key(bravo_partner, name="Signed in as it", actor=None)
    AuditEvent.objects.create(
        occurred_at=timezone.now(),
        action=AuditAction.FEED_PULLED,
        actor_key=key,
        actor_label=f"key:{key.prefix}",
        channel=AuditChannel.API,
    )
    event = AuditEvent.objects.get(actor_key=key)
    digest = key.hashed_key.split("$")[-1]
    admin = signed_in(portal_admin)
    pages = [
        reverse("admin:agencies_partnerapikey_changelist"),
        reverse("admin:agencies_partnersystem_change", args=[bravo_partner.pk]),
        reverse("admin:sharing_auditevent_change", args=[event.pk]),
        reverse("admin:sharing_auditevent_changelist"),
    ]
    for page in pages:
        content = admin.get(page).content.decode()
        assert key.prefix in content, page
        assert digest not in content, page
    # Django's object pages, whose URLs would carry the primary key, do not exist.
    with pytest.raises(NoReverseMatch):
        reverse("admin:agencies_partnerapikey_change", args=[key.prefix])
    assert admin.get(f"/admin/agencies/partnerapikey/{key.pk}/change/").status_code == 404


def test_staff_without_the_role_cannot_revoke_in_the_admin(
    bravo_partner: PartnerSystem, staff_member: User
) -> None:
    key, raw = create_api_key(bravo_partner, name="Case system", actor=None)
    staff = signed_in(staff_member)
    url = reverse("admin:agencies_partnerapikey_revoke", args=[key.prefix])
    assert staff.post(url, {"reason": "x"}).status_code == 403
    assert PartnerAPIKey.objects.is_valid(raw)


def test_the_library_key_admin_is_not_registered() -> None:
    assert not admin_site.is_registered(APIKey)
