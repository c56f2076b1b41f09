"""Attachments: files checked by size and content, stored by their hash, added with an audit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from agencies.models import User
from sharing import audit
from sharing.attachments import allowed_types_text, content_type_of, safe_filename
from sharing.audit import SYSTEM, RequestContext
from sharing.models import Attachment, AuditAction, Report, ReportState
from sharing.services.reports import _require_originator

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    content_type: str
    sha256: str
    filename: str


def check_upload(upload: UploadedFile[bytes]) -> CheckedFile:
    """The upload's bytes and what they are; refused when too large, empty or not allowed.

    The editor calls this to put a message on the field before anything is saved;
    add_attachment calls it again, so no other path can skip it.
    """
    limit = settings.ATTACHMENT_MAX_BYTES
    name = upload.name or ""
    if upload.size is not None and upload.size > limit:
        raise _refused(
            _("“%(name)s” is %(size)s; attachments may be at most %(limit)s."),
            name=name,
            size=filesizeformat(upload.size),
            limit=filesizeformat(limit),
        )
    upload.seek(0)
    # One byte more than allowed: a size the client misstated cannot make us read without end.
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refused(
            _("“%(name)s” is larger than %(limit)s, the most an attachment may be."),
            name=name,
            limit=filesizeformat(limit),
        )
    if not data:
        raise _refused(_("“%(name)s” is empty."), name=name)
    content_type = content_type_of(data, name)
    if content_type is None:
        raise _refused(
            _("“%(name)s” is not a file of an allowed type (%(types)s), judged by its content."),
            name=name,
            types=allowed_types_text(),
        )
    return CheckedFile(
        data=data,
        content_type=content_type,
        sha256=hashlib.sha256(data).hexdigest(),
        filename=safe_filename(name, content_type),
    )


def _refused(message: StrOrPromise, **params: str) -> ValidationError:
    # Keyed by the editor's field, so the form shows it there; the API shows it with a pointer.
    return ValidationError({"attachments": ValidationError(message, params=params)})


@transaction.atomic
def add_attachment(
    report: Report, upload: UploadedFile[bytes], *, actor: User, context: RequestContext = SYSTEM
) -> Attachment:
    """Attach a file to a draft or published report of the actor's agency."""
    report = Report.objects.select_for_update(no_key=True).get(pk=report.pk)
    _require_originator(report, actor)
    if report.state == ReportState.RETRACTED:
        raise ValidationError("A retracted report takes no new attachments.")
    checked = check_upload(upload)
    attachment = Attachment(
        report=report,
        filename=checked.filename,
        content_type=checked.content_type,
        size=len(checked.data),
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    # Stored under its hash (Attachment.file's upload_to), outside static/, never served
    # directly. The storage picks a fresh name when the same content is stored already, so
    # removing it below on failure touches no other attachment's file. (A rollback of a
    # transaction the caller holds around this one can leave an unreferenced file behind.)
    attachment.file.save(checked.filename, ContentFile(checked.data), save=False)
    try:
        attachment.save()
        # Hash, size and type: the file's name, like indicator values, stays out of the record.
        audit.record(
            actor,
            AuditAction.ATTACHMENT_ADDED,
            [report],
            context=context,
            details={
                "attachment": str(attachment.uuid),
                "sha256": checked.sha256,
                "size": attachment.size,
                "content_type": checked.content_type,
            },
        )
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment
