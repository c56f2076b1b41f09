"""What an uploaded file is, judged by its bytes (never its name), and the name it is kept under."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

import filetype
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TEXT = "text/plain"
CSV = "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class AllowedType:
    label: StrOrPromise
    # The first is added to a file name that has none of them, so the recipient's computer
    # opens the file as what it is (a text file named "notes.html" is saved as "notes.html.txt").
    extensions: tuple[str, ...]


ALLOWED_TYPES: dict[str, AllowedType] = {
    PDF: AllowedType("PDF", (".pdf",)),
    PNG: AllowedType("PNG", (".png",)),
    JPEG: AllowedType("JPEG", (".jpg", ".jpeg")),
    TEXT: AllowedType(_("plain text (UTF-8)"), (".txt", ".text", ".log", ".md")),
    CSV: AllowedType("CSV", (".csv",)),
    DOCX: AllowedType(_("Word document (DOCX)"), (".docx",)),
    XLSX: AllowedType(_("Excel workbook (XLSX)"), (".xlsx",)),
}


def allowed_types_text() -> str:
    """The allowed types, named for people, in the current language."""
    return ", ".join(str(t.label) for t in ALLOWED_TYPES.values())


# Signatures filetype recognises that we accept as they are; ZIP-based office documents and text
# are checked below, because a signature alone cannot tell them apart from what we refuse.
_BY_SIGNATURE = {PDF, PNG, JPEG}
_ZIP = b"PK\x03\x04"
# Text may hold tabs, line breaks and form feeds, and no other control character.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f"*/:<>?\\|]+')


def content_type_of(data: bytes, filename: str = "") -> str | None:
    """The allowed content type `data` holds, or None when it is none of ALLOWED_TYPES.

    The name plays no part in what is accepted; it only tells CSV from other plain text, both of
    which are served as downloads of inert text.
    """
    if data.startswith(_ZIP):
        return _office_type(data)
    guessed = filetype.guess_mime(data[:8192])
    if guessed in _BY_SIGNATURE:
        return str(guessed)
    if guessed is None and _is_text(data):
        return CSV if filename.lower().endswith(".csv") else TEXT
    return None


def _office_type(data: bytes) -> str | None:
    """DOCX or XLSX when the ZIP holds their main part; macro-enabled documents are refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return not _CONTROL.search(text)


def safe_filename(name: str, content_type: str) -> str:
    """A name safe in a Content-Disposition header and on any file system, ending as its type."""
    base = re.split(r"[/\\]", name)[-1]
    base = unicodedata.normalize("NFC", base)
    base = _UNSAFE_IN_NAME.sub("_", base)
    base = re.sub(r"\s+", " ", base).strip(" .")
    allowed = ALLOWED_TYPES.get(content_type)
    if allowed and not base.lower().endswith(allowed.extensions):
        base = (base or "attachment") + allowed.extensions[0]
    stem, dot, extension = base.rpartition(".")
    if len(base) > 150:
        base = stem[: 150 - len(extension) - 1] + dot + extension if dot else base[:150]
    return base or "attachment"
