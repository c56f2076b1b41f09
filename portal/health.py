"""Liveness (/healthz) and readiness (/readyz) endpoints for load balancers and compose."""

from __future__ import annotations

import logging

from django.conf import STATICFILES_STORAGE_ALIAS, settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.files.storage import storages
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means "not ready"
        return f"{type(exc).__name__}: {exc}"
    return None


def _check_broker() -> str | None:
    from portal.celery import app

    try:
        with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # any failure means "not ready"
        return f"{type(exc).__name__}: {exc}"
    return None


def _check_static_manifest() -> str | None:
    """A hashed static storage without its manifest fails every page that links a stylesheet."""
    storage = storages[STATICFILES_STORAGE_ALIAS]
    if not isinstance(storage, ManifestFilesMixin):
        return None
    try:
        if storage.read_manifest() is None:
            return f"{storage.manifest_name} is missing in {settings.STATIC_ROOT} (collectstatic)"
        storage.load_manifest()
    except Exception as exc:  # an unreadable manifest fails pages just the same
        return f"{type(exc).__name__}: {exc}"
    return None


def _status(name: str, error: str | None) -> dict[str, str]:
    if error is None:
        return {"status": "ok"}
    # The detail goes to the log, not to whoever can reach the endpoint.
    logger.warning("readiness: %s check failed: %s", name, error)
    return {"status": "error"}


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _status("database", _check_database())}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _status("broker", _check_broker())
    else:
        checks["broker"] = {"status": "skipped", "detail": "tasks run eagerly (no broker)"}
    # Only production resolves hashed names through the manifest; DEBUG serves plain names.
    if settings.DEBUG:
        checks["static_manifest"] = {"status": "skipped", "detail": "DEBUG serves plain names"}
    else:
        checks["static_manifest"] = _status("static manifest", _check_static_manifest())
    ready = all(check["status"] != "error" for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
