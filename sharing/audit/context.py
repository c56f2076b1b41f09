"""Where an exchange comes from (channel, IP, request id), bound for a request, task or command.

The request-id middleware binds the context of each request, the Celery signals in
`sharing.audit.propagation` bind one for each task (carrying the request id of whoever queued
it), and `manage.py` binds the command channel. `record()` takes the bound context whenever
its caller passes none, so a service called without one still says where it was called from.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

from sharing.audit.models import AuditChannel


@dataclass(frozen=True)
class RequestContext:
    """Where an exchange came from; built once per request, task or command."""

    channel: str = AuditChannel.SYSTEM
    ip: str | None = None
    request_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# "Nothing said": record() replaces it with the bound context.
SYSTEM = RequestContext(channel=AuditChannel.SYSTEM)

_bound: ContextVar[RequestContext | None] = ContextVar("audit_context", default=None)


def new_request_id() -> str:
    """A fresh id for a request or a task run: 32 hex digits, generated here, never taken."""
    return uuid.uuid4().hex


def current() -> RequestContext:
    """The context bound for this request, task or command; SYSTEM outside all of them."""
    return _bound.get() or SYSTEM


def bind(context: RequestContext) -> Token[RequestContext | None]:
    return _bound.set(context)


def unbind(token: Token[RequestContext | None]) -> None:
    _bound.reset(token)


@contextmanager
def bound(context: RequestContext) -> Iterator[RequestContext]:
    """Bind `context` for the length of the block."""
    token = bind(context)
    try:
        yield context
    finally:
        unbind(token)


def command_context() -> RequestContext:
    """The context of a management command: the one manage.py bound, else a new one."""
    bound_now = current()
    if bound_now.channel == AuditChannel.COMMAND:
        return bound_now
    return RequestContext(channel=AuditChannel.COMMAND, request_id=new_request_id())
