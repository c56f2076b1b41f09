"""Access logs leave out query strings: a key sent in a URL must not be written to them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
KEY = "AbCd1234." + "s" * 32


def _web_command() -> list[str]:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command: list[str] = compose["services"]["web"]["command"]
    return command


def test_the_image_and_compose_log_the_same_way() -> None:
    log_format = _web_command()[_web_command().index("--access-logformat") + 1]
    assert log_format.replace('"', '\\"') in (ROOT / "Dockerfile").read_text()
    for leaky in ("%(r)s", "%(q)s", "%(f)s"):  # request line, query string, referrer
        assert leaky not in log_format


def test_gunicorn_with_that_format_does_not_log_a_key_sent_in_the_query_string(
    tmp_path: Path,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = _web_command()
    log = tmp_path / "access.log"
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[command.index("--workers") + 1] = "1"
    command[command.index("--access-logfile") + 1] = str(log)
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/nowhere/?api_key={KEY}"
        status = None
        for _ in range(100):  # up to 20 s for the worker to boot
            try:
                urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback, fixed scheme
            except urllib.error.HTTPError as answered:
                status = answered.code
                break
            except OSError:
                time.sleep(0.2)
        assert status == 404
        for _ in range(50):
            if log.exists() and log.read_text():
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=15)
    logged = log.read_text()
    assert '"GET /api/nowhere/ HTTP/1.1" 404' in logged
    assert KEY not in logged
