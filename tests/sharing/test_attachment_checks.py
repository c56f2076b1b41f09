"""Attachments: judged by their bytes, limited in size, stored by hash outside static/, audited."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import User
from sharing import services
from sharing.attachments import (
    CSV,
    DOCX,
    JPEG,
    PDF,
    PNG,
    TEXT,
    XLSX,
    content_type_of,
    safe_filename,
)
from sharing.models import AuditAction, AuditEvent, Report

Publish = Callable[..., Report]

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def office(main_part: str, *, macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(main_part, "<document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00macro")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ATTACHMENT_MAX_BYTES = 1024


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (PDF_BYTES, "scan.pdf", PDF),
        (PNG_BYTES, "photo.png", PNG),
        (JPEG_BYTES, "photo.jpg", JPEG),
        ("Plate seen twice: ÁBC-123\n".encode(), "notes.txt", TEXT),
        (b"plate,seen\nABC123,2\n", "plates.csv", CSV),
        (office("word/document.xml"), "memo.docx", DOCX),
        (office("xl/workbook.xml"), "table.xlsx", XLSX),
        # The name does not decide: a PNG called .pdf is a PNG, a PDF called .txt a PDF.
        (PNG_BYTES, "report.pdf", PNG),
        (PDF_BYTES, "notes.txt", PDF),
    ],
)
def test_allowed_files_are_recognised_by_their_content(
    data: bytes, name: str, expected: str
) -> None:
    assert content_type_of(data, name) == expected


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (EXE_BYTES, "invoice.pdf"),
        (b"\x00\x01\x02binary\x00", "notes.txt"),
        ("café".encode("latin-1") + b"\x00", "plates.csv"),
        (office("word/document.xml", macros=True), "memo.docx"),
        (office("content.xml"), "sheet.docx"),
        (b"PK\x03\x04not really a zip", "memo.docx"),
        (b"GIF89a\x01\x00\x01\x00", "pixel.png"),
    ],
)
def test_other_files_are_refused_whatever_their_name(data: bytes, name: str) -> None:
    assert content_type_of(data, name) is None


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("../../etc/passwd", TEXT, "passwd.txt"),
        ('C:\\Users\\ana\\"route"\r\n.pdf', PDF, "_route_.pdf"),
        ("notes.html", TEXT, "notes.html.txt"),
        ("", PNG, "attachment.png"),
        ("Informe de interdicción.pdf", PDF, "Informe de interdicción.pdf"),
        ("x" * 300 + ".csv", CSV, "x" * 146 + ".csv"),
    ],
)
def test_file_names_are_made_safe_and_end_as_their_type(
    name: str, content_type: str, expected: str
) -> None:
    assert safe_filename(name, content_type) == expected


def test_an_attachment_is_stored_by_its_hash_and_audited_without_its_name(
    publish: Publish, alpha_analyst: User, settings: Any
) -> None:
    report = publish(alpha_analyst)
    upload = SimpleUploadedFile("informant Ana.pdf", PDF_BYTES, content_type="text/html")
    attachment = services.add_attachment(report, upload, actor=alpha_analyst)
    digest = hashlib.sha256(PDF_BYTES).hexdigest()
    assert (attachment.sha256, attachment.size) == (digest, len(PDF_BYTES))
    # The browser's claim (text/html) is ignored: the bytes say PDF.
    assert attachment.content_type == PDF
    stored = Path(attachment.file.path)
    assert stored.read_bytes() == PDF_BYTES
    assert attachment.file.name == f"attachments/{digest[:2]}/{digest}"
    event = AuditEvent.objects.get(action=AuditAction.ATTACHMENT_ADDED)
    assert event.details["sha256"] == digest
    assert "Ana" not in str(event.details)


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(
    publish: Publish, alpha_analyst: User, settings: Any
) -> None:
    report = publish(alpha_analyst)
    upload = SimpleUploadedFile("big.txt", b"a" * 1025)
    with pytest.raises(ValidationError) as refused:
        services.add_attachment(report, upload, actor=alpha_analyst)
    assert "at most 1.0\xa0KB" in refused.value.message_dict["attachments"][0]
    assert not report.attachments.exists()
    assert not (Path(settings.MEDIA_ROOT) / "attachments").exists()


def test_a_forbidden_type_is_refused_with_the_allowed_ones_named(
    publish: Publish, alpha_analyst: User
) -> None:
    report = publish(alpha_analyst)
    with pytest.raises(ValidationError) as refused:
        services.add_attachment(
            report, SimpleUploadedFile("invoice.pdf", EXE_BYTES), actor=alpha_analyst
        )
    message = refused.value.message_dict["attachments"][0]
    assert "“invoice.pdf” is not a file of an allowed type" in message
    assert "PDF, PNG, JPEG" in message


def test_only_the_originator_agency_attaches_files(
    publish: Publish, alpha_analyst: User, bravo_analyst: User, agreement_ab: Any
) -> None:
    report = publish(alpha_analyst)
    with pytest.raises(PermissionDenied):
        services.add_attachment(
            report, SimpleUploadedFile("notes.txt", b"hello"), actor=bravo_analyst
        )
    assert not report.attachments.exists()
