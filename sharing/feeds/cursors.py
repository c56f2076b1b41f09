"""Feed cursors: a position in a principal's change log, signed, bound to its holder, dated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

_SALT = "sharing.feeds.cursor"


class BadCursor(ValueError):
    """Not a cursor this portal handed to this holder."""


class ExpiredCursor(BadCursor):
    """A genuine cursor older than FEED_CURSOR_MAX_AGE: the holder syncs again from the start."""


@dataclass(frozen=True, order=True)
class Position:
    """Everything at or before (xid, report_id) has been read, and nothing before `origin`
    was held: a sync that started from nothing at `origin` needs no older tombstones."""

    xid: int
    report_id: int
    origin: int

    @classmethod
    def start(cls) -> Position:
        return cls(0, 0, 0)


def encode(position: Position, holder: str) -> str:
    """An opaque cursor for `holder` (a key or user, e.g. "key:12"), dated now."""
    payload = [position.xid, position.report_id, position.origin, holder]
    return signing.TimestampSigner(salt=_SALT).sign_object(payload)


def decode(cursor: str, holder: str) -> Position:
    """The position in a cursor `holder` was given; BadCursor otherwise, ExpiredCursor if old."""
    signer = signing.TimestampSigner(salt=_SALT)
    max_age = dt.timedelta(days=settings.FEED_CURSOR_MAX_AGE_DAYS)
    try:
        payload = signer.unsign_object(cursor, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ExpiredCursor("cursor expired") from exc
    except (signing.BadSignature, ValueError, TypeError, UnicodeError) as exc:
        raise BadCursor("invalid cursor") from exc
    if not isinstance(payload, list) or len(payload) != 4:
        raise BadCursor("invalid cursor")
    xid, report_id, origin, owner = payload
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (xid, report_id, origin)):
        raise BadCursor("invalid cursor")
    # Signed for one holder: another key (even of the same partner) cannot replay it.
    if owner != holder:
        raise BadCursor("invalid cursor")
    return Position(xid, report_id, origin)
