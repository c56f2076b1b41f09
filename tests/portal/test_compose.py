"""docker-compose.yml describes the whole stack (Docker itself cannot run on the CI machine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose


def _command(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_compose_has_every_service_of_the_stack() -> None:
    services = _compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= services.keys()


def test_data_services_have_healthchecks_and_named_volumes() -> None:
    compose = _compose()
    for name in ("postgres", "redis"):
        service = compose["services"][name]
        assert "healthcheck" in service, name
        volume = service["volumes"][0].split(":")[0]
        assert volume in compose["volumes"], f"{name} uses a named volume"


def test_app_services_run_the_right_commands() -> None:
    services = _compose()["services"]
    assert _command(services["web"]).startswith("gunicorn portal.wsgi:application")
    assert "celery -A portal worker" in _command(services["worker"])
    assert "celery -A portal beat" in _command(services["beat"])
    assert "migrate" in _command(services["migrate"])
    assert "healthcheck" in services["web"]
    assert "/readyz" in str(services["web"]["healthcheck"])


def test_app_services_get_database_broker_and_secret_from_the_environment() -> None:
    services = _compose()["services"]
    for name in ("web", "worker", "beat", "migrate"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://"), name
        assert env["CELERY_BROKER_URL"].startswith("redis://"), name
        assert env["DEBUG"] == "false", name
        assert "SECRET_KEY_FILE" in env or "SECRET_KEY" in env, name
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy", name


def test_dockerfile_serves_with_gunicorn_and_collects_static() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "collectstatic" in dockerfile
    assert "gunicorn" in dockerfile
    assert "USER bix" in dockerfile
