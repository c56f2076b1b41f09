"""Settings come from the environment and fail loudly on bad values."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]


def test_env_bool_rejects_a_value_that_is_not_a_boolean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG")


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("0", False), ("On", True), ("", False)]
)
def test_env_bool_reads_common_spellings(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG") is expected


def test_env_int_rejects_text_and_values_below_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("N", 1)
    monkeypatch.setenv("N", "2")
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        env_int("N", 1, minimum=5)


def test_secret_is_read_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t\n")
    monkeypatch.setenv("SOME_SECRET_FILE", str(secret))
    assert env_str("SOME_SECRET") == "s3cr3t"


def test_value_and_file_together_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SOME_SECRET", "a")
    monkeypatch.setenv("SOME_SECRET_FILE", str(tmp_path / "x"))
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_str("SOME_SECRET")


def test_env_list_splits_on_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert env_list("HOSTS") == ["a.example", "b.example"]


def _project_without_dotenv(tmp_path: Path) -> Path:
    """A copy of the project package alone: settings read no .env and start nothing there."""
    shutil.copytree(
        ROOT / "portal", tmp_path / "portal", ignore=shutil.ignore_patterns("__pycache__")
    )
    return tmp_path


def _load_settings(
    *, project: Path | None = None, code: str = "import portal.settings", **env: str | None
) -> subprocess.CompletedProcess[str]:
    """Import settings in a fresh process; a variable given as None is left unset."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "DATABASE_URL"}
    }
    clean["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/bix"
    merged = {**clean, **env}
    with tempfile.TemporaryDirectory() as scratch:
        return subprocess.run(  # noqa: S603
            [sys.executable, "-c", code],
            cwd=project or _project_without_dotenv(Path(scratch)),
            env={k: v for k, v in merged.items() if v is not None},
            capture_output=True,
            text=True,
            check=False,
        )


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off() -> None:
    result = _load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_settings_refuse_a_bad_debug_value() -> None:
    result = _load_settings(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_settings_refuse_a_database_that_is_not_postgresql() -> None:
    result = _load_settings(DEBUG="true", DATABASE_URL="sqlite:///tmp/x.db")
    assert result.returncode != 0
    assert "must point at PostgreSQL" in result.stderr


def test_settings_load_with_secret_key_and_debug_off() -> None:
    result = _load_settings(DEBUG="false", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr


SHOW_DEBUG_AND_KEY = "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)"


def test_settings_read_debug_and_secret_key_from_the_projects_dotenv(tmp_path: Path) -> None:
    project = _project_without_dotenv(tmp_path)
    (project / ".env").write_text(
        "# local development\nDEBUG=true\nexport SECRET_KEY='from-the-dotenv-file'\n"
    )
    result = _load_settings(
        project=project,
        code=f"import portal.settings; {SHOW_DEBUG_AND_KEY}",
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "from-the-dotenv-file"]


def test_environment_variables_win_over_the_dotenv_file(tmp_path: Path) -> None:
    project = _project_without_dotenv(tmp_path)
    (project / ".env").write_text("DEBUG=true\nSECRET_KEY=from-the-dotenv-file\n")
    result = _load_settings(
        project=project,
        code=SHOW_DEBUG_AND_KEY,
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="false",
        SECRET_KEY="from-the-environment",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "from-the-environment"]


def test_a_malformed_dotenv_line_stops_start_up_naming_the_line(tmp_path: Path) -> None:
    project = _project_without_dotenv(tmp_path)
    (project / ".env").write_text("DEBUG=true\nthis is not a setting\n")
    result = _load_settings(project=project)
    assert result.returncode != 0
    assert ".env, line 2: expected NAME=value" in result.stderr


def test_importing_settings_without_database_url_starts_no_database_server(
    tmp_path: Path,
) -> None:
    project = _project_without_dotenv(tmp_path)
    pgdata = project / ".data" / "postgres"
    # Checked while the importing process still runs: a server it started would stop with it.
    code = (
        "import pathlib, portal.settings as s; "
        "print(s.DATABASES['default']['HOST']); "
        f"print(pathlib.Path({str(pgdata)!r}, 'postmaster.pid').exists())"
    )
    result = _load_settings(project=project, code=code, DEBUG="true", DATABASE_URL=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(pgdata), "False"]
    assert not pgdata.exists()
