"""Small helpers shared by the HTML views: request context for audit."""

from __future__ import annotations

from django.http import HttpRequest

from portal.request_id import audit_context
from sharing.audit import RequestContext
from sharing.models import AuditChannel


def request_context(request: HttpRequest, channel: str = AuditChannel.WEB) -> RequestContext:
    return audit_context(request, channel)
