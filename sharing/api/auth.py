"""API authentication, scopes and rate limits: partner keys in the Authorization header."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from rest_framework import authentication
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, MethodNotAllowed, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from agencies.models import PartnerAPIKey, PartnerSystem, Scope
from sharing.api.errors import CredentialsInQuery, PayloadTooLarge

if TYPE_CHECKING:
    # DRF imports this module while rest_framework.views is itself being imported.
    from rest_framework.views import APIView

# `Authorization: Api-Key <key>` or, for clients that only know bearer tokens, `Bearer <key>`.
KEY_SCHEMES = frozenset({"api-key", "bearer"})
REALM = 'realm="Border Intelligence Exchange API"'
# What create_api_key issues: an 8-character prefix, a dot, a 32-character secret.
KEY_SHAPE = re.compile(r"[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}")
# Query parameters clients use for keys: refused, whatever their value.
KEY_PARAMETERS = frozenset(
    {"api_key", "apikey", "api-key", "key", "token", "access_token", "auth", "authorization"}
)
# last_used_at is a hint for admins, not an audit record: one write a minute per key at most.
USAGE_RESOLUTION = dt.timedelta(minutes=1)


class KeyRefused(AuthenticationFailed):
    """A 401 that remembers which key was refused (its row or prefix), for the audit trail."""

    def __init__(self, detail: str, *, key: PartnerAPIKey | None = None, prefix: str = "") -> None:
        super().__init__(detail)
        self.key = key
        self.prefix = prefix


def _note_use(key: PartnerAPIKey) -> None:
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < USAGE_RESOLUTION:
        return
    # Conditional, so concurrent requests of the same minute write the row once.
    PartnerAPIKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - USAGE_RESOLUTION)
    ).update(last_used_at=now)
    key.last_used_at = now


class APIKeyAuthentication(BaseAuthentication):
    """A partner system's key; the request acts as the partner system, for its agency."""

    def authenticate(self, request: Request) -> tuple[PartnerSystem, PartnerAPIKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, credentials = header.strip().partition(" ")
        if scheme.lower() not in KEY_SCHEMES:
            return None  # no key offered: a session may still authenticate the request
        raw = credentials.strip()
        if not KEY_SHAPE.fullmatch(raw):
            raise KeyRefused("The API key is malformed.")
        prefix = raw.partition(".")[0]
        key = PartnerAPIKey.objects.select_related("partner__agency").filter(prefix=prefix).first()
        if key is None or not key.is_valid(raw):
            raise KeyRefused("The API key is not valid.", prefix=prefix)
        # Told apart only for the holder of the right secret, who needs to know what to fix.
        if key.revoked:
            raise KeyRefused("The API key has been revoked.", key=key)
        if key.has_expired:
            raise KeyRefused("The API key has expired.", key=key)
        if not key.partner.is_active or not key.partner.agency.is_active:
            raise KeyRefused("The partner system or its agency is not active.", key=key)
        _note_use(key)
        return key.partner, key

    def authenticate_header(self, request: Request) -> str:
        return f"Api-Key {REALM}, Bearer {REALM}"


class CsrfRefused(PermissionDenied):
    """A session write without a valid CSRF token; remembers the user for the audit trail."""

    def __init__(self, detail: str, *, user: Any) -> None:
        super().__init__(detail)
        self.user = user


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (CSRF enforced on writes), naming who was refused."""

    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except PermissionDenied as exc:
            # DRF forgets the session's user once authentication fails: keep it for the audit.
            raise CsrfRefused(str(exc.detail), user=request._request.user) from exc


class KeyScope(BasePermission):
    """Read keys read; writing needs a write key. Sessions are left to the services' checks."""

    message = "This API key may only read; writing needs a key with the write scope."

    def has_permission(self, request: Request, view: APIView) -> bool:
        key = request.auth
        if isinstance(key, PartnerAPIKey) and request.method not in SAFE_METHODS:
            return key.allows(Scope.WRITE)
        return True


class PerKeyThrottle(SimpleRateThrottle):
    """API_THROTTLE_RATE requests per key (or per signed-in user), counted in the cache."""

    scope = "api"

    def get_rate(self) -> str | None:
        # Read when a request arrives, not at import like DRF's THROTTLE_RATES.
        rate: str = settings.API_THROTTLE_RATE
        return rate

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if isinstance(request.auth, PartnerAPIKey):
            ident = f"key:{request.auth.prefix}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


def refuse_before_authentication(request: Request) -> None:
    """Checks that need neither a caller nor the body: its announced size, keys in the URL."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    try:
        too_large = int(length) > settings.API_MAX_BODY_BYTES
    except ValueError:
        too_large = True  # a length that is not a number is refused before anything is read
    if too_large:
        raise PayloadTooLarge(f"Request bodies are limited to {settings.API_MAX_BODY_BYTES} bytes.")
    for name, values in request.query_params.lists():
        if name.lower() in KEY_PARAMETERS or any(KEY_SHAPE.fullmatch(v) for v in values):
            raise CredentialsInQuery(name)


class GuardedMixin:
    """Run `refuse_before_authentication` first in every API view, the schema's included."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # An unsupported method is a 405 for everyone, not a 403 for a read key.
        if not hasattr(self, (request.method or "").lower()):
            raise MethodNotAllowed(request.method or "")
        refuse_before_authentication(request)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
