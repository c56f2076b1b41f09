"""The API's own exceptions; rendered as problem details by sharing.api.problems."""

from __future__ import annotations

from rest_framework import exceptions, status

# Imported by the authentication classes, which DRF loads while rest_framework.views is being
# imported: nothing here may import that module.


class InvalidParameters(exceptions.ValidationError):
    """Query parameters that do not validate: each error names its parameter."""


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than this API accepts."
    default_code = "payload_too_large"


class CredentialsInQuery(exceptions.APIException):
    """A key in the URL: refused, so that clients learn before their logs fill with keys."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = (
        "API keys are accepted only in the Authorization header. A key sent in a URL is kept"
        " by proxies and server logs: revoke it and use a new one."
    )
    default_code = "credentials_in_query"

    def __init__(self, parameter: str) -> None:
        super().__init__()
        self.parameter = parameter


class CursorExpired(exceptions.APIException):
    """A genuine feed cursor past FEED_CURSOR_MAX_AGE_DAYS: sync again from the start."""

    status_code = status.HTTP_410_GONE
    default_detail = (
        "This cursor has expired. Sync again from the start: GET the feed without a cursor."
    )
    default_code = "cursor_expired"
