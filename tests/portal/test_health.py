"""Liveness and readiness endpoints answer JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any as SettingsWrapper

import pytest
from django.test import Client


def test_healthz_says_ok_without_touching_services(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_database_and_eager_tasks(client: Client, settings: SettingsWrapper) -> None:
    settings.CELERY_BROKER_URL = None
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["broker"]["status"] == "skipped"


@pytest.mark.django_db
def test_readyz_is_unavailable_when_the_broker_cannot_be_reached(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"] == {"status": "error"}
    assert body["checks"]["database"] == {"status": "ok"}


MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.mark.django_db
def test_readyz_is_unavailable_in_production_without_the_static_manifest(
    client: Client, settings: SettingsWrapper, tmp_path: Path
) -> None:
    settings.CELERY_BROKER_URL = None
    settings.DEBUG = False
    settings.STORAGES = MANIFEST_STORAGE
    settings.STATIC_ROOT = tmp_path  # collectstatic never ran here
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["static_manifest"] == {"status": "error"}
    assert body["checks"]["database"] == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ready_in_production_with_the_static_manifest(
    client: Client, settings: SettingsWrapper, tmp_path: Path
) -> None:
    settings.CELERY_BROKER_URL = None
    settings.DEBUG = False
    settings.STORAGES = MANIFEST_STORAGE
    settings.STATIC_ROOT = tmp_path
    manifest = {"version": "1.1", "hash": "0", "paths": {"css/portal.css": "css/portal.0.css"}}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["static_manifest"] == {"status": "ok"}
