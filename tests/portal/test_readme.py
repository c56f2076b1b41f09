"""The README's two-command start and its shell commands work for a newcomer, as written.

A fresh checkout (the files git tracks, plus new ones it does not ignore) gets `make run` with
the embedded default: no DATABASE_URL, no broker, no DEBUG or SECRET_KEY in the environment.
Only installing packages is skipped: the checkout reuses this run's virtual environment
(make is told `.venv/bin/.installed` is up to date). While the server runs, every
`.venv/bin/python manage.py ...` line of the README runs exactly as written; then Ctrl-C
stops the server, its scheduler and, with its last user gone, the embedded PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.portal.processes import ROOT, Running, clean_environment, free_port, wait_until

# Starting the embedded server, migrating and seeding on a busy machine take minutes.
SET_UP_TIMEOUT = 900
# As a terminal's Ctrl-C needs: SIGINT handled by default, even if this run inherited it ignored.
WITH_DEFAULT_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execvp(sys.argv[1], sys.argv[1:])"
)


def _readme_commands() -> list[str]:
    """Every `.venv/bin/python manage.py` line of the README's shell blocks, in order."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL)
    return [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip().startswith(".venv/bin/python manage.py ")
    ]


@pytest.fixture
def checkout() -> Iterator[Path]:
    """The project's files as a clone of this working tree would have them, in a short path
    (the embedded server's Unix socket lives under it)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        message = f"not a git checkout: {listed.stderr.decode()}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    directory = Path(tempfile.mkdtemp(prefix="bix-"))
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():  # not deleted in the working tree
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, directory / name)
    (directory / ".venv").symlink_to(sys.prefix)
    try:
        yield directory
    finally:
        if (directory / ".data" / "postgres" / "postmaster.pid").exists():
            subprocess.run(  # noqa: S603
                [str(directory / ".venv/bin/python"), "-m", "portal.embedded_db", "stop"],
                cwd=directory,
                env=clean_environment(),
                check=False,
            )
        shutil.rmtree(directory, ignore_errors=True)


def _sh(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        ["bash", "-c", command],  # noqa: S607
        cwd=cwd,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_make_run_and_the_readme_commands_work_in_a_fresh_checkout(checkout: Path) -> None:
    commands = _readme_commands()
    assert any(c.startswith(".venv/bin/python manage.py agreement show ") for c in commands)
    assert any(c.startswith(".venv/bin/python manage.py create_api_key ") for c in commands)
    assert not (checkout / ".env").exists()

    port = free_port()
    make_run = [
        sys.executable,
        "-c",
        WITH_DEFAULT_SIGINT,
        "make",
        "-o",
        ".venv/bin/.installed",
        "run",
        f"PORT={port}",
    ]
    server = Running(make_run, env=clean_environment(), cwd=checkout)
    try:
        server.wait_for("Quit the server with CONTROL-C", timeout=SET_UP_TIMEOUT)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=30) as page:  # noqa: S310
            assert page.status == 200
        server.wait_for("scheduler: running apply-agreement-calendar", timeout=60)
        assert "DEBUG=true" in (checkout / ".env").read_text()

        for command in commands:
            result = _sh(command, checkout)
            assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
            if " create_api_key " in command:
                assert re.fullmatch(r"\S+\.\S+", result.stdout.strip().splitlines()[-1])
            if " agreement show " in command:
                reference = command.split()[-1]
                assert reference in result.stdout
                assert "in force: yes" in result.stdout

        # A user of the database killed without its exit handlers must not keep it running.
        killed = _sh(
            ".venv/bin/python manage.py shell -c "
            "'import os, signal; os.kill(os.getpid(), signal.SIGKILL)'",
            checkout,
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr

        os.killpg(server.process.pid, signal.SIGINT)  # Ctrl-C in make run's terminal
        server.process.wait(timeout=60)
        session = subprocess.run(  # noqa: S603
            ["ps", "-o", "stat=,pid=,args=", "-g", str(server.process.pid)],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout.splitlines()
        # Zombies have exited; only this machine's init has yet to reap them.
        left = [line for line in session if not line.lstrip().startswith("Z")]
        assert not left, "make run left processes behind:\n" + "\n".join(left)
        postmaster = checkout / ".data" / "postgres" / "postmaster.pid"
        assert wait_until(lambda: not postmaster.exists(), timeout=30), (
            "the embedded PostgreSQL outlived its last user"
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)  # whatever a failure left
        server.stop()
