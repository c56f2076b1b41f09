"""What the image does, without Docker: build steps run on a copy, then compose's `web` serves.

Docker cannot run on the CI machine, so this test replays the Dockerfile on a directory that
stands in for the image's file system: its COPY lines copy, its ENV lines set, and its RUN lines
that run the project (`manage.py`) run; installing packages and creating users are left to the
virtual environment already here. Then gunicorn starts as compose's `web` service starts it, with
the service's production environment (DEBUG off), on loopback against the test database.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from tests.portal.processes import ROOT, Running, database_url, free_port, wait_until

pytestmark = pytest.mark.django_db


@dataclass
class Image:
    """A directory standing in for the image's root file system, and the image's ENV."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)
    workdir: PurePosixPath = PurePosixPath("/")

    def path(self, inside: str | PurePosixPath) -> Path:
        """Where a path of the image is in the stand-in directory."""
        absolute = self.workdir / inside
        return self.root / absolute.relative_to("/")


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions = []
    logical = ""
    for line in dockerfile.splitlines():
        if not logical and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            logical += line.rstrip()[:-1] + " "
            continue
        logical += line
        keyword, _, arguments = logical.strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        logical = ""
    return instructions


def _build(image: Image) -> list[str]:
    """Replay the Dockerfile on `image`; the RUN commands it ran."""
    ran = []
    venv_bin = Path(sys.executable).parent
    for keyword, arguments in _instructions((ROOT / "Dockerfile").read_text()):
        if keyword == "WORKDIR":
            image.workdir = image.workdir / arguments
            image.path(".").mkdir(parents=True, exist_ok=True)
        elif keyword == "ENV":
            for item in shlex.split(arguments):
                name, _, value = item.partition("=")
                image.env[name] = value
        elif keyword == "COPY":
            *sources, destination = [a for a in shlex.split(arguments) if not a.startswith("--")]
            target = image.path(destination)
            for source in sources:
                if (ROOT / source).is_dir():
                    shutil.copytree(
                        ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__")
                    )
                else:
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / source, target / Path(source).name)
        elif keyword == "RUN" and "manage.py" in arguments:
            # Replayed on this machine: it must not reach for the image's absolute paths.
            assert str(image.workdir) not in arguments, f"RUN {arguments}"
            env = {"PATH": f"{venv_bin}:/usr/bin:/bin", "HOME": str(image.root), **image.env}
            result = subprocess.run(  # noqa: S603
                ["/bin/sh", "-c", arguments],  # as Docker's shell form runs it
                cwd=image.path("."),
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert result.returncode == 0, f"RUN {arguments}\n{result.stdout}\n{result.stderr}"
            ran.append(arguments)
    return ran


def _web_service() -> dict[str, Any]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    service: dict[str, Any] = compose["services"]["web"]
    return service


def _get(url: str) -> tuple[int, str, str]:
    """Status, content type and body of a GET (error statuses included)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def test_image_built_as_the_dockerfile_says_serves_pages_and_hashed_stylesheets(
    tmp_path: Path,
) -> None:
    image = Image(tmp_path / "image")
    ran = _build(image)
    assert any("collectstatic" in command for command in ran), ran

    service = _web_service()
    env: dict[str, str] = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(image.root),  # gunicorn keeps a control socket there
        **image.env,
    }
    for name, value in service["environment"].items():
        # Paths of the container land in the stand-in directory.
        env[name] = str(image.path(value)) if str(value).startswith("/") else str(value)
    assert env["DEBUG"] == "false"
    secret = Path(env["SECRET_KEY_FILE"])
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("a-run-time-secret-of-fifty-characters-or-more-0123456789\n")
    Path(env["AUDIT_CHAIN_KEY_FILE"]).write_text(
        "an-audit-chain-key-kept-apart-from-the-secret-key\n"
    )
    Path(env["MEDIA_ROOT"]).mkdir(parents=True, exist_ok=True)
    # The compose hosts `postgres` and `redis` are the test run's own services here.
    env["DATABASE_URL"] = database_url()
    env["CELERY_BROKER_URL"] = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")

    port = free_port()
    command = service["command"]
    bind = command.index("--bind")
    command = [*command[: bind + 1], f"127.0.0.1:{port}", *command[bind + 2 :]]
    web = Running(command, env=env, cwd=image.path("."))
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _answers(f"{base}/healthz"), timeout=60), web.output()

        status, _, page = _get(f"{base}/login/")
        assert status == 200, web.output()
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page)
        assert stylesheet, page
        assert re.fullmatch(r"/static/css/portal\.[0-9a-f]{12}\.css", stylesheet[1])
        status, content_type, _ = _get(base + stylesheet[1])
        assert status == 200
        assert content_type.startswith("text/css")

        status, _, body = _get(f"{base}/readyz")
        assert '"static_manifest": {"status": "ok"}' in body, body
        assert '"database": {"status": "ok"}' in body, body
    finally:
        assert web.stop() == 0, web.output()


def _answers(url: str) -> bool:
    try:
        return _get(url)[0] == 200
    except OSError:
        return False
