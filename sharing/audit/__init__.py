"""The account of every exchange: `record()` is the only writer of AuditEvent."""

from sharing.audit.writer import SYSTEM, Actor, RequestContext, record

__all__ = ["SYSTEM", "Actor", "RequestContext", "record"]
