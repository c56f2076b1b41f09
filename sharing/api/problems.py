"""RFC 9457 problem details for every error under /api/: DRF's, Django's and unforeseen ones."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from http import HTTPStatus
from typing import Any

import orjson
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.views import set_rollback

from agencies.models import User
from sharing.api.accounting import known_caller, record_denial
from sharing.api.errors import CredentialsInQuery, InvalidParameters

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"


def problem(
    status_code: int,
    detail: str,
    *,
    instance: str,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """A problem+json response. `type` is about:blank: the status says what kind of problem."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    response = HttpResponse(orjson.dumps(body), status=status_code, content_type=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _pointer(path: tuple[str, ...]) -> str:
    """A JSON Pointer (RFC 6901) into the request body, as a URI fragment."""
    escaped = (part.replace("~", "~0").replace("/", "~1") for part in path)
    return "#/" + "/".join(escaped)


def _walk(detail: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            # DRF files errors about the whole object (or list item) under non_field_errors.
            child = path if key in ("non_field_errors", "__all__") else (*path, str(key))
            yield from _walk(value, child)
    elif isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            for item in detail:
                yield path, str(item)
        else:
            for index, item in enumerate(detail):
                yield from _walk(item, (*path, str(index)))
    else:
        yield path, str(detail)


def field_errors(detail: Any, *, in_query: bool = False) -> list[dict[str, str]]:
    """DRF's nested error detail as RFC 9457 `errors`: a pointer, or the query parameter."""
    out = []
    for path, message in _walk(detail, ()):
        if in_query:
            out.append({"detail": message, "parameter": path[0] if path else ""})
        else:
            out.append({"detail": message, "pointer": _pointer(path)})
    return out


def _django_validation_errors(exc: DjangoValidationError) -> tuple[str, list[dict[str, str]]]:
    if hasattr(exc, "error_dict"):
        errors = field_errors(exc.message_dict)
        general = [e["detail"] for e in errors if e["pointer"] == "#/"]
        return " ".join(general) or "The report does not validate.", [
            e for e in errors if e["pointer"] != "#/"
        ]
    return " ".join(exc.messages), []


def exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse:
    """REST_FRAMEWORK's EXCEPTION_HANDLER: every error of an API view as problem+json.

    Refusals of the caller (401, 403, a key in the URL) are audited here, once per request.
    An unforeseen error is logged with its traceback and answered with a bare 500.
    """
    request = context.get("request")
    path = request.path if request is not None else API_PREFIX
    set_rollback()
    if isinstance(exc, DjangoValidationError):
        detail, errors = _django_validation_errors(exc)
        return problem(400, detail, instance=path, errors=errors)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()  # Http404's message may name what was looked up
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled error answering %s", path)
        return problem(500, "The server could not answer this request.", instance=path)

    headers = {}
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    if (wait := getattr(exc, "wait", None)) is not None:
        headers["Retry-After"] = str(max(1, int(wait + 0.999)))
    invalid: list[dict[str, str]] = []
    if isinstance(exc, exceptions.ValidationError):
        invalid = field_errors(exc.detail, in_query=isinstance(exc, InvalidParameters))
        detail = (
            "Some query parameters are not valid."
            if isinstance(exc, InvalidParameters)
            else "The request body is not valid."
        )
        if all(e.get("pointer") == "#/" for e in invalid):
            detail, invalid = " ".join(e["detail"] for e in invalid) or detail, []
    else:
        detail = str(exc.detail)
    if request is not None and (
        exc.status_code in (401, 403) or isinstance(exc, CredentialsInQuery)
    ):
        key, user = known_caller(request)
        if user is None and isinstance(getattr(exc, "user", None), User):
            user = getattr(exc, "user", None)  # a session refused for its CSRF token
        record_denial(
            request,
            actor=key or user,
            status=exc.status_code,
            reason=detail,
            details={"parameter": exc.parameter} if isinstance(exc, CredentialsInQuery) else None,
            refused_key=getattr(exc, "key", None),
            refused_prefix=getattr(exc, "prefix", ""),
        )
    return problem(exc.status_code, detail, instance=path, errors=invalid, headers=headers)


# --------------------------------------------------------------------------------------------
# Errors that happen outside API views: unknown URLs under /api/ and Django's own handlers.


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Every unknown URL under /api/, whatever the method: a 404 problem, never a page."""
    detail = "There is no such resource."
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            detail += f" Paths end with a slash: {request.path}/"
    return problem(404, detail, instance=request.path)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return problem(400, "The request is malformed.", instance=request.path)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return problem(403, "You may not do this.", instance=request.path)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return problem(500, "The server could not answer this request.", instance=request.path)
    return defaults.server_error(request)
