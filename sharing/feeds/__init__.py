"""Feeds: what changed for a principal since a position, shared by the REST feed and TAXII.

- `changes`: the change log read from grants and Dissemination rows (`read_changes`), in one
  repeatable-read `snapshot()`;
- `cursors`: positions as opaque cursors, signed for one holder, valid FEED_CURSOR_MAX_AGE_DAYS.

Serialisation stays with the callers (sharing.api, sharing.taxii).
"""

from sharing.feeds.changes import Change, ChangePage, read_changes, snapshot
from sharing.feeds.cursors import BadCursor, ExpiredCursor, Position, decode, encode

__all__ = [
    "BadCursor",
    "Change",
    "ChangePage",
    "ExpiredCursor",
    "Position",
    "decode",
    "encode",
    "read_changes",
    "snapshot",
]
