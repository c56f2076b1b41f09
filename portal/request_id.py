"""Each request's id and client address, bound as its audit context for the whole request.

The id is generated here for every request and returned in the `X-Request-ID` response header.
A client's own `X-Request-ID` is never taken as the id (any client could then make its
requests look like someone else's): it is kept beside it, in the events' details, as
`client_request_id`, so a partner can still match our record to theirs.

The client address is `REMOTE_ADDR`, unless the request came from a proxy listed in
`TRUSTED_PROXIES`: then `X-Forwarded-For` is read from the right, skipping listed proxies, and
the first address no listed proxy vouches for is the client's. Anything left of it was written
by the client itself and is not believed.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from sharing.audit import RequestContext, bound, new_request_id
from sharing.models import AuditChannel

HEADER = "X-Request-ID"
# What is kept of a client's own request id: printable, short.
_CLIENT_ID = re.compile(r"[\x21-\x7e]{1,64}")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _trusted(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, believing X-Forwarded-For only as far as listed proxies wrote it."""
    remote: str | None = request.META.get("REMOTE_ADDR") or None
    networks = _trusted(tuple(settings.TRUSTED_PROXIES))
    if remote is None or not _is_trusted(remote, networks):
        return remote
    forwarded = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    client = remote
    for hop in reversed([hop for hop in forwarded if hop]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # garbage: keep the last address a listed proxy gave
        client = hop
        if not _is_trusted(hop, networks):
            break
    return client


def channel_of(request: HttpRequest) -> str:
    path = request.path_info
    if path.startswith("/api/"):
        return AuditChannel.API
    if path.startswith("/taxii"):
        return AuditChannel.TAXII
    if path.startswith("/admin/"):
        return AuditChannel.ADMIN
    return AuditChannel.WEB


def audit_context(request: HttpRequest, channel: str | None = None) -> RequestContext:
    """The request's audit context (made here if the middleware did not run, as in unit tests)."""
    context: RequestContext | None = getattr(request, "audit_context", None)
    if context is None:
        given = request.headers.get(HEADER, "")
        context = RequestContext(
            channel=channel_of(request),
            ip=client_ip(request),
            request_id=new_request_id(),
            extra={"client_request_id": given} if _CLIENT_ID.fullmatch(given) else {},
        )
        request.audit_context = context  # type: ignore[attr-defined]
    if channel is not None and channel != context.channel:
        return RequestContext(
            channel=channel, ip=context.ip, request_id=context.request_id, extra=context.extra
        )
    return context


class RequestIdMiddleware:
    """Give the request its id and audit context; answer with the id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        context = audit_context(request)
        with bound(context):
            response = self.get_response(request)
        response[HEADER] = context.request_id
        return response
