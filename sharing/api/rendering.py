"""JSON out with orjson, and JSON whatever the Accept header asks for."""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


def _default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    # Lazy translations and other string-likes DRF puts in error details.
    return str(value)


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None  # JSON is UTF-8 by definition (RFC 8259): no charset parameter

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, default=_default)


class JSONWhateverAccepted(DefaultContentNegotiation):
    """The API speaks JSON only; an Accept header it cannot honour gets JSON, not a 406."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type
