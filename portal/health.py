"""Liveness (/healthz) and readiness (/readyz) endpoints for load balancers and compose."""

from __future__ import annotations

import logging

from django.conf import settings
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


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict[str, str]] = {}
    db_error = _check_database()
    if db_error:
        logger.warning("readiness: database check failed: %s", db_error)
    checks["database"] = {"status": "ok"} if db_error is None else {"status": "error"}
    if settings.CELERY_BROKER_URL:
        broker_error = _check_broker()
        if broker_error:
            logger.warning("readiness: broker check failed: %s", broker_error)
        checks["broker"] = {"status": "ok"} if broker_error is None else {"status": "error"}
    else:
        checks["broker"] = {"status": "skipped", "detail": "tasks run eagerly (no broker)"}
    ready = all(check["status"] != "error" for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
