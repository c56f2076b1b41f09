"""The account of every exchange: `record()` and `record_denial()` are the only writers of it."""

from sharing.audit.context import (
    SYSTEM,
    RequestContext,
    bound,
    command_context,
    current,
    new_request_id,
)
from sharing.audit.writer import DENIALS_DATABASE, Actor, record, record_denial

__all__ = [
    "DENIALS_DATABASE",
    "SYSTEM",
    "Actor",
    "RequestContext",
    "bound",
    "command_context",
    "current",
    "new_request_id",
    "record",
    "record_denial",
]
