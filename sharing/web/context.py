"""Small helpers shared by the HTML views: request context for audit, actor lookup."""

from __future__ import annotations

from django.http import HttpRequest

from sharing.audit import RequestContext
from sharing.models import AuditChannel


def request_context(request: HttpRequest, channel: str = AuditChannel.WEB) -> RequestContext:
    return RequestContext(
        channel=channel,
        ip=request.META.get("REMOTE_ADDR") or None,
        request_id=request.headers.get("X-Request-ID", "")[:64],
    )
