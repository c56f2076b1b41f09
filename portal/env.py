"""Typed readers for settings that come from the environment; they fail loudly on bad values.

A variable is looked up in the process environment first, then in the project's `.env` file
(the local development settings `make` writes on first use), so exported variables always win.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DOTENV_PATH = Path(__file__).resolve().parent.parent / ".env"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@functools.cache
def read_dotenv(path: Path = DOTENV_PATH) -> dict[str, str]:
    """NAME=value lines of a `.env` file (blank lines and # comments skipped); {} when absent."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ImproperlyConfigured(f"{path} cannot be read: {exc}") from exc
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        stripped = stripped.removeprefix("export ").lstrip()
        name, sep, value = stripped.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ImproperlyConfigured(f"{path}, line {number}: expected NAME=value.")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


def _lookup(source: Mapping[str, str], name: str, where: str) -> str | None:
    """NAME from `source`, or the contents of the file its NAME_FILE names (for secrets)."""
    value = source.get(name)
    file_name = source.get(f"{name}_FILE")
    if value is not None and file_name:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both ({where}).")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    return value


def _raw(name: str) -> str | None:
    if name in os.environ or f"{name}_FILE" in os.environ:
        return _lookup(os.environ, name, "environment")
    return _lookup(read_dotenv(), name, str(DOTENV_PATH))


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean; use one of: true, false, 1, 0, yes, no, on, off."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from exc
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]
