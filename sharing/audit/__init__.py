"""The account of every exchange: `record()` and `record_denial()` are the only writers of it."""

from sharing.audit.writer import (
    DENIALS_DATABASE,
    SYSTEM,
    Actor,
    RequestContext,
    record,
    record_denial,
)

__all__ = ["DENIALS_DATABASE", "SYSTEM", "Actor", "RequestContext", "record", "record_denial"]
