"""Every piece of text a template shows is marked for translation, and no template has inline
script, style or event-handler attributes (the CSP would refuse them)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Attributes whose values people read (or hear, through a screen reader).
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "label"}
# Text that is the same in every language: markings and codes of the exchange.
NOT_LANGUAGE = re.compile(r"^(UTC|TLP:[A-Z+]+|H[0-3]|[A-F][1-6])$")
LETTER = re.compile(r"[^\W\d_]")
# Stands in for every template tag and variable, so the HTML parser sees where they were (with
# spaces around it, it reads as an attribute name where a tag put attributes).
HOLE = "\x00"


def _html_without_translations(source: str) -> str:
    """The template's text with every tag, variable and comment (and whatever stands inside
    blocktranslate or comment blocks) replaced by HOLE."""
    out: list[str] = []
    skip_until: str | None = None
    for token in Lexer(source).tokenize():
        content = token.contents.split()[0] if token.contents.split() else ""
        if skip_until:
            if token.token_type == TokenType.BLOCK and content == skip_until:
                skip_until = None
            continue
        if token.token_type == TokenType.TEXT:
            out.append(token.contents)
            continue
        if token.token_type == TokenType.BLOCK and content in ("blocktranslate", "blocktrans"):
            skip_until = "end" + content
        elif token.token_type == TokenType.BLOCK and content == "comment":
            skip_until = "endcomment"
        out.append(f" {HOLE} ")
    return "".join(out)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.inline_code: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.inline_code.append(f"<{tag} {name}=…>")
            if name == "style":
                self.inline_code.append(f"<{tag} style=…>")
            if value and (
                name in READ_ATTRIBUTES
                or (name == "value" and values.get("type") in ("submit", "button", "reset"))
            ):
                self.texts.append(value)
        if tag in ("script", "style"):
            self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if self._in:
            if data.strip():
                self.inline_code.append(f"<{self._in[-1]}> with content")
        else:
            self.texts.append(data)


def _collect(path: Path) -> _TextCollector:
    collector = _TextCollector()
    collector.feed(_html_without_translations(path.read_text()))
    collector.close()
    return collector


def unmarked_text(path: Path) -> list[str]:
    found = []
    for text in _collect(path).texts:
        for piece in text.split(HOLE):
            piece = piece.strip(" \n\t·—–:,.;()[]|/←→")
            if LETTER.search(piece) and not NOT_LANGUAGE.match(piece):
                found.append(piece)
    return found


TEMPLATE_FILES = sorted(TEMPLATES.rglob("*.html"))


def test_the_checks_find_the_templates() -> None:
    names = {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATE_FILES}
    assert {
        "base.html",
        "sharing/report_detail.html",
        "admin/sharing/agreement/_page.html",
    } <= names


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_shows_no_unmarked_text(path: Path) -> None:
    assert unmarked_text(path) == []


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_inline_script_or_style(path: Path) -> None:
    assert _collect(path).inline_code == []


def test_unmarked_text_is_caught(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '{% load i18n %}<h1>{% translate "Reports" %}</h1><p>Shared with {{ agency }}</p>'
        '<input type="submit" value="Send"><img alt="{% translate \'Map\' %}" src="x.png">'
        '<span title="Marking">TLP:AMBER</span>'
        "{% blocktranslate %}Hi {{ n }}{% endblocktranslate %}"
        "{% comment %}Notes for developers{% endcomment %}{# and here #}"
    )
    assert unmarked_text(page) == ["Shared with", "Send", "Marking"]


def test_inline_script_style_and_handlers_are_caught(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<script>alert(1)</script><script src="/static/js/portal.js"></script>'
        '<p style="color: red" onclick="go()">{% translate "Hi" %}</p><style>p {}</style>'
    )
    assert _collect(page).inline_code == [
        "<script> with content",
        "<p style=…>",
        "<p onclick=…>",
        "<style> with content",
    ]
