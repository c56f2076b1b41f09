"""The shipped translation catalogues are complete, up to date with the sources, and compiled."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
LOCALE = BASE / "locale"
TRANSLATED = ["es", "fr"]
# What `make messages` leaves out (MESSAGES_IGNORE in the Makefile), plus the catalogues.
NOT_SOURCES = {"node_modules", "static", "staticfiles", "tests", "bench", "docs", "locale"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w*)\}")

Key = tuple[str | None, str]


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def keys(po: polib.POFile) -> set[Key]:
    return {(entry.msgctxt, entry.msgid) for entry in po if not entry.obsolete}


def _translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated_and_none_is_fuzzy(language: str) -> None:
    po = catalogue(language)
    assert len(po) > 100
    untranslated = [e.msgid for e in po if not all(s.strip() for s in _translations(e))]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []
    assert [e.msgid for e in po.obsolete_entries()] == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders(language: str) -> None:
    def names(text: str) -> list[str]:
        return sorted("".join(groups) for groups in PLACEHOLDER.findall(text))

    wrong = [
        e.msgid
        for e in catalogue(language)
        for text in _translations(e)
        if names(text) != names(e.msgid)
    ]
    assert wrong == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_are_not_copies_of_the_english(language: str) -> None:
    po = catalogue(language)
    same = [e for e in po if e.msgstr == e.msgid]
    # A few words are the same in every language (URL, Flash, Police...), no more.
    assert len(same) < len(po) // 10


def test_catalogues_list_exactly_the_strings_marked_in_the_sources(tmp_path: Path) -> None:
    """Extract the strings as `make messages` does, from a copy of the sources."""
    copy = tmp_path / "src"
    copy.mkdir()
    for item in BASE.iterdir():
        if item.name.startswith(".") or item.name in NOT_SOURCES:
            continue
        if item.is_dir():
            shutil.copytree(item, copy / item.name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(item, copy / item.name)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "true",
        # Settings need a database URL to load; extraction never connects to it.
        "DATABASE_URL": "postgres://unused@127.0.0.1:9/unused",
    }
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "makemessages", "--locale", "es", "--verbosity", "0"],
        cwd=copy,
        env=env,
        check=True,
    )
    extracted = keys(polib.pofile(str(copy / "locale" / "es" / "LC_MESSAGES" / "django.po")))
    for language in ["en", *TRANSLATED]:
        shipped = keys(catalogue(language))
        assert {"missing": extracted - shipped, "stale": shipped - extracted} == {
            "missing": set(),
            "stale": set(),
        }, f"run `make messages` and translate the new strings ({language})"


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
def test_compiled_catalogue_matches_its_source(language: str) -> None:
    mo_path = LOCALE / language / "LC_MESSAGES" / "django.mo"
    assert mo_path.exists(), "run `make compilemessages` (part of `make install`)"
    compiled = {
        (e.msgctxt, e.msgid): _translations(e) for e in polib.mofile(str(mo_path)) if e.msgid
    }
    source = {
        (e.msgctxt, e.msgid): _translations(e)
        for e in catalogue(language)
        if all(_translations(e)) and "fuzzy" not in e.flags
    }
    assert compiled == source, "run `make compilemessages` (part of `make install`)"
