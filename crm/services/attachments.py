"""Writes on attachments: files checked and stored with their message, provider media
recorded and fetched later, files removed from storage with their rows.

A file is checked before anything is written (``attachments_check``: the API's base64, a
reply's uploads): size, count, total, a content type sniffed from the bytes (``sniff``), not
a refused type. What a customer sent through a provider is never refused with its message
(``attachments_add``): a file that fails the checks is recorded as ``failed`` with the reason.

Files are written to the ``attachments`` storage before their rows; a transaction rolled back
after that leaves the file without a row (never a row without its file).
"""

from __future__ import annotations

import binascii
import hashlib
import json
import logging
import os
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import filetype
from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.errors import ApplicationError
from crm.models import Attachment, AttachmentStatus, Contact, Message, Tenant
from crm.signals import attachment_fetch_requested

logger = logging.getLogger(__name__)

SIGNING_SALT = "crm.attachment.signed-url"
#: text types a text file may keep when its sender declared them (others read as text/plain)
TEXT_TYPES = {"application/json", "application/xml"}
_FILENAME_UNSAFE = re.compile('[\x00-\x1f\x7f"\\\\/\ud800-\udfff]')
#: what no database column takes (NUL, lone surrogates): dropped from what a sender declared
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(value: str, limit: int) -> str:
    return _UNSTORABLE.sub("", value or "")[:limit]


@dataclass(frozen=True)
class IncomingAttachment:
    """A file arriving with a message: its bytes, or where the provider keeps them (``source``,
    fetched by a task), or neither and ``error`` says why."""

    filename: str = ""
    content_type: str = ""  # as declared by the sender
    content: bytes | None = None
    source: dict = field(default_factory=dict)
    error: str = ""


class AttachmentTooLarge(ApplicationError):
    """A file (or a message's files) over the limits: 413."""

    status_code = 413


def storage():
    return storages["attachments"]


def limits() -> dict:
    """The limits, as the docs, the API errors and the reply form state them."""
    return {
        "max_bytes": settings.ATTACHMENTS_MAX_BYTES,
        "max_total_bytes": settings.ATTACHMENTS_MAX_TOTAL_BYTES,
        "max_per_message": settings.ATTACHMENTS_MAX_PER_MESSAGE,
    }


def _is_text(content: bytes) -> bool:
    sample = content[:65536]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:  # a character cut at the sample's end is still text
        return len(content) > len(sample) and exc.start >= len(sample) - 3
    return True


def sniff(content: bytes, declared: str = "") -> str:
    """The content type read from the bytes (``filetype``'s magic numbers); text keeps a
    declared ``text/*`` type; anything else unrecognised is ``application/octet-stream``."""
    kind = filetype.guess(content[:8192]) if content else None
    if kind is not None:
        return kind.mime
    declared = (declared or "").split(";", 1)[0].strip().lower()
    if content and _is_text(content):
        return declared if declared.startswith("text/") or declared in TEXT_TYPES else "text/plain"
    return "application/octet-stream"


def clean_filename(name: str, content_type: str = "") -> str:
    """A file name without a path, control characters or quotes, at most 255 characters."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = _FILENAME_UNSAFE.sub("", name).strip().lstrip(".")
    if len(name) > 255:
        stem, ext = os.path.splitext(name)
        name = stem[: 255 - len(ext[:20])] + ext[:20]
    return name or f"attachment{_extension(content_type)}"


def _extension(content_type: str) -> str:
    kind = filetype.get_type(mime=content_type)
    return f".{kind.extension}" if kind is not None else ""


def refusal(content: bytes, content_type: str) -> str | None:
    """Why this file is not stored (too large, a refused type), or ``None``."""
    if len(content) > settings.ATTACHMENTS_MAX_BYTES:
        return _("larger than %(limit)s bytes") % {"limit": settings.ATTACHMENTS_MAX_BYTES}
    if not content:
        return _("empty file")
    if content_type in settings.ATTACHMENTS_BLOCKED_TYPES:
        return _("files of type %(type)s are not accepted") % {"type": content_type}
    return None


def base64_decode(value: str, *, where: str) -> bytes:
    """Strict base64 (line breaks allowed); a 400 naming ``where`` when it is not, a 413
    before decoding when it is sure to be too large."""
    compact = "".join((value or "").split())
    if len(compact) // 4 * 3 > settings.ATTACHMENTS_MAX_BYTES + 2:
        raise AttachmentTooLarge(
            _("An attachment is larger than %(limit)s bytes.") % {"limit": settings.ATTACHMENTS_MAX_BYTES},
            {where: [_("larger than %(limit)s bytes") % {"limit": settings.ATTACHMENTS_MAX_BYTES}]},
        )
    try:
        if len(compact) % 4:  # padded to whole quanta (RFC 4648), which strict mode leaves to us
            raise ValueError("length")
        return binascii.a2b_base64(compact.encode("ascii"), strict_mode=True)
    except (binascii.Error, ValueError):
        raise ApplicationError(_("An attachment is not valid base64."), {where: [_("not valid base64")]}) from None


def attachments_check(items: Sequence[IncomingAttachment], *, field: str = "attachments") -> None:
    """Refuse, before anything is written, what would not be stored: more files than allowed
    (400), a file or all of them over the size limits (413), an empty or refused file (400)."""
    if len(items) > settings.ATTACHMENTS_MAX_PER_MESSAGE:
        raise ApplicationError(
            _("At most %(count)s attachments per message.") % {"count": settings.ATTACHMENTS_MAX_PER_MESSAGE},
            {field: [_("at most %(count)s files") % {"count": settings.ATTACHMENTS_MAX_PER_MESSAGE}]},
        )
    total = sum(len(item.content or b"") for item in items)
    if total > settings.ATTACHMENTS_MAX_TOTAL_BYTES:
        raise AttachmentTooLarge(
            _("The attachments are larger than %(limit)s bytes together.")
            % {"limit": settings.ATTACHMENTS_MAX_TOTAL_BYTES},
            {field: [_("more than %(limit)s bytes together") % {"limit": settings.ATTACHMENTS_MAX_TOTAL_BYTES}]},
        )
    for i, item in enumerate(items):
        content = item.content or b""
        if (reason := refusal(content, sniff(content, item.content_type))) is not None:
            error = AttachmentTooLarge if len(content) > settings.ATTACHMENTS_MAX_BYTES else ApplicationError
            raise error(
                _("An attachment cannot be accepted: %(reason)s.") % {"reason": reason}, {f"{field}[{i}]": [reason]}
            )


def attachments_add(*, message: Message, items: Iterable[IncomingAttachment]) -> list[Attachment]:
    """Record the files of ``message``: bytes stored at once, provider media fetched later
    (``attachment_fetch_requested`` on commit), a file that cannot be stored recorded as
    failed with the reason. Never raises for a file: the message stands."""
    rows: list[Attachment] = []
    total = 0
    for position, item in enumerate(items):
        row = Attachment(
            tenant_id=message.tenant_id,
            message=message,
            filename=clean_filename(item.filename, item.content_type),
            declared_type=_storable(item.content_type, 255),
            source=item.source if not _UNSTORABLE.search(json.dumps(item.source)) else {},
        )
        if position >= settings.ATTACHMENTS_MAX_PER_MESSAGE:
            _failed(row, _("more than %(count)s files") % {"count": settings.ATTACHMENTS_MAX_PER_MESSAGE})
        elif item.content is not None:
            total += len(item.content)
            if total > settings.ATTACHMENTS_MAX_TOTAL_BYTES:
                _failed(row, _("more than %(limit)s bytes together") % {"limit": settings.ATTACHMENTS_MAX_TOTAL_BYTES})
            else:
                _fill(row, item.content, item.content_type)
        elif row.source:
            row.status = AttachmentStatus.PENDING
        else:
            _failed(row, item.error or (_("unreadable source") if item.source else _("no content")))
        rows.append(row)
    created = Attachment.objects.bulk_create(rows)
    for row in created:
        if row.status == AttachmentStatus.PENDING:
            attachment_fetch_requested.send(sender=Attachment, attachment=row)
    return created


def _failed(row: Attachment, reason: str) -> None:
    row.status, row.error = AttachmentStatus.FAILED, _storable(reason, 2000)


def _fill(row: Attachment, content: bytes, declared: str) -> None:
    """Sniff, check and store ``content`` for ``row`` (failed with the reason if refused)."""
    row.content_type = sniff(content, declared)
    row.size = len(content)
    if (reason := refusal(content, row.content_type)) is not None:
        _failed(row, reason)
        return
    row.filename = row.filename or clean_filename("", row.content_type)
    row.sha256 = hashlib.sha256(content).hexdigest()
    name = f"{row.tenant_id}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"
    row.storage_name = storage().save(name, ContentFile(content))
    row.status, row.error = AttachmentStatus.STORED, ""


def attachment_fetched(*, attachment: Attachment, content: bytes, content_type: str = "", filename: str = "") -> None:
    """Store the bytes a provider gave for a pending attachment (or record why not)."""
    if filename:
        attachment.filename = clean_filename(filename, content_type)
    attachment.declared_type = _storable(content_type or attachment.declared_type, 255)
    _fill(attachment, content, attachment.declared_type)
    attachment.save()


def attachment_fail(*, attachment_id: int, reason: str) -> None:
    Attachment.objects.filter(pk=attachment_id, status=AttachmentStatus.PENDING).update(
        status=AttachmentStatus.FAILED, error=_storable(reason, 2000)
    )


def attachment_read(attachment: Attachment) -> bytes:
    with storage().open(attachment.storage_name, "rb") as stored:
        return stored.read()


def files_delete_on_commit(names: Iterable[str]) -> None:
    """Remove files from storage once the rows that named them are gone for good."""
    names = [n for n in names if n]
    if names:
        transaction.on_commit(lambda: _files_delete(names))


def _files_delete(names: list[str]) -> None:
    for name in names:
        try:
            storage().delete(name)
        except Exception:  # storage unreachable: logged; the row is already gone
            logger.warning("attachment file %s could not be removed from storage", name, exc_info=True)


def attachments_erase(*, tenant: Tenant, contact: Contact) -> int:
    """Erasure: every attachment of the contact's messages, rows and files (the files once the
    erasure commits). Returns the number removed."""
    deleted, _counts = Attachment.objects.filter(tenant=tenant, message__contact=contact).delete()
    return deleted  # each row's file goes with it (``attachment_deleted``)


def attachment_deleted(sender, instance: Attachment, **kwargs) -> None:
    """``post_delete``: a row deleted in any way (a contact's or tenant's deletion cascading,
    erasure, the admin) takes its file with it, once the deletion commits."""
    files_delete_on_commit([instance.storage_name])


def attachment_url(attachment: Attachment) -> str:
    """The ``url`` of the API: it needs the API's authentication."""
    return settings.PUBLIC_BASE_URL + reverse("attachment-content", kwargs={"pk": attachment.pk})


def attachment_signed_url(attachment: Attachment) -> str:
    """A URL for that one attachment, without authentication, valid
    ``ATTACHMENTS_SIGNED_URL_SECONDS``: what a provider fetches a file we send from."""
    token = signing.dumps([attachment.pk, attachment.tenant_id], salt=SIGNING_SALT)
    return settings.PUBLIC_BASE_URL + reverse("attachment-signed", kwargs={"token": token})


def attachment_from_token(token: str) -> Attachment | None:
    """The stored attachment a signed URL names, or ``None`` (forged, expired, erased)."""
    try:
        pk, tenant_id = signing.loads(token, salt=SIGNING_SALT, max_age=settings.ATTACHMENTS_SIGNED_URL_SECONDS)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Attachment.objects.filter(pk=pk, tenant_id=tenant_id, status=AttachmentStatus.STORED).first()
