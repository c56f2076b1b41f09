"""The API's side of the audit trail: who is calling, the request context, and refusals."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from agencies.models import Agency, PartnerAPIKey, User
from portal.request_id import audit_context
from sharing import audit
from sharing.audit import RequestContext
from sharing.models import AuditAction, AuditChannel

# Who acts through the API: a partner system's key, or a person signed in with a session.
Caller = User | PartnerAPIKey


def caller(request: Request) -> Caller:
    """The key (partner systems) or the user (sessions) behind an authenticated request."""
    if isinstance(request.auth, PartnerAPIKey):
        return request.auth
    if isinstance(request.user, User):
        return request.user
    raise NotAuthenticated()


def caller_agency(who: Caller) -> Agency | None:
    if isinstance(who, PartnerAPIKey):
        return who.partner.agency
    return who.agency


def known_caller(request: Request) -> tuple[PartnerAPIKey | None, User | None]:
    """Whoever authenticated so far, without authenticating now.

    Reading `request.user` would run the authenticators, which may be what just failed; DRF
    keeps the outcome of a finished authentication in `_user` and `_auth`.
    """
    state = vars(request)
    key = state.get("_auth")
    user = state.get("_user")
    return (
        key if isinstance(key, PartnerAPIKey) else None,
        user if isinstance(user, User) else None,
    )


def api_context(request: HttpRequest | Request) -> RequestContext:
    # DRF's Request hands attribute reads to the HttpRequest it wraps, not writes.
    http = request._request if isinstance(request, Request) else request
    return audit_context(http, AuditChannel.API)


def record_denial(
    request: HttpRequest | Request,
    *,
    actor: Caller | None,
    status: int,
    reason: str,
    details: dict[str, Any] | None = None,
    refused_key: PartnerAPIKey | None = None,
    refused_prefix: str = "",
) -> None:
    """Audit a refused request (401, 403, 404 on a report, a key in the URL).

    Written on the audit room's own connection, so a rolled-back request keeps it. Never
    records a key itself: a refused key is named by its row (revoked, expired) or its prefix.
    """
    audit.record_denial(
        actor or refused_key,
        AuditAction.ACCESS_DENIED,
        context=api_context(request),
        details={
            "status": status,
            "reason": reason,
            "method": request.method,
            "path": request.path,
            **({"key_prefix": refused_prefix} if refused_prefix else {}),
            **(details or {}),
        },
    )
