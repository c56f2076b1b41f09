"""Helpers for tests that run the portal's own processes (scheduler, gunicorn, make) for real."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
# What a process inherits from the test run but must not: the portal's own settings.
PORTAL_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_QUEUE",
    "DJANGO_SETTINGS_MODULE",
}


def database_url() -> str:
    """A DATABASE_URL for the database this test runs against (the test database)."""
    from django.db import connection

    db = connection.settings_dict
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}{port}/{db['NAME']}"


def clean_environment(**overrides: str) -> dict[str, str]:
    """The test run's environment without the portal's settings, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if k not in PORTAL_VARIABLES}
    return {**env, **overrides}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(condition: Callable[[], bool], *, timeout: float, interval: float = 0.2) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


class Running:
    """A process whose merged output is collected line by line as it comes."""

    def __init__(self, args: list[str], *, env: Mapping[str, str], cwd: Path = ROOT) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            args,
            cwd=cwd,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # a signal for the test run's group does not reach it
        )
        self.lines: list[str] = []
        self._new: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._new.put(line.rstrip("\n"))

    def wait_for(self, text: str, *, timeout: float) -> str:
        """The first line printed with `text` (waiting up to `timeout` seconds for it)."""
        for line in self.lines:
            if text in line:
                return line
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._new.get(timeout=min(left, 0.5))
            except queue.Empty:
                if self.process.poll() is not None and self._new.empty():
                    break
                continue
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} within {timeout}s; output:\n{self.output()}")

    def output(self) -> str:
        while not self._new.empty():
            self.lines.append(self._new.get())
        return "\n".join(self.lines)

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, then SIGKILL after `timeout`; the exit status."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
