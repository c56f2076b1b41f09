"""Partner API keys: shown once, stored hashed, prefixed, scoped, expiring and revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, PartnerAPIKey, PartnerSystem, Scope, User
from agencies.services import create_api_key, revoke_api_key
from sharing.models import AuditAction, AuditEvent


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


def test_admin_revokes_keys_through_the_service_and_not_through_the_form(
    bravo_partner: PartnerSystem, portal_admin: User
) -> None:
    key, raw = create_api_key(bravo_partner, name="Case system", actor=None)
    client = Client()
    client.force_login(portal_admin)
    changelist = reverse("admin:agencies_partnerapikey_changelist")
    response = client.post(changelist, {"action": "revoke", "_selected_action": [key.pk]})
    assert response.status_code == 302
    assert not PartnerAPIKey.objects.is_valid(raw)
    event = AuditEvent.objects.get(action=AuditAction.API_KEY_REVOKED)
    assert event.actor_user == portal_admin
    form = client.get(reverse("admin:agencies_partnerapikey_change", args=[key.pk]))
    assert "revoked" not in form.context["adminform"].form.fields
