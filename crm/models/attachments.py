"""Files of messages: a customer's photo, a PDF an agent sends. The bytes live in the
``attachments`` storage (``STORAGES``: the filesystem or an S3 bucket); a row says what they are."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TenantOwned


class AttachmentStatus(models.TextChoices):
    STORED = "stored", _("Stored")
    PENDING = "pending", _("Being fetched")  # provider media, fetched by a task
    FAILED = "failed", _("Not stored")  # too large, refused type, the provider would not give it


class Attachment(TenantOwned):
    message = models.ForeignKey("crm.Message", on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    #: sniffed from the bytes; the type the sender declared is kept beside it
    content_type = models.CharField(max_length=255, blank=True)
    declared_type = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    #: the file's name in the ``attachments`` storage ("" until stored, and once erased)
    storage_name = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=AttachmentStatus.choices, default=AttachmentStatus.STORED)
    error = models.TextField(blank=True)
    #: where a provider's media is fetched from (``{"url": ...}``, ``{"media_id": ...}``)
    source = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "message"])]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename or f"attachment #{self.pk}"

    @property
    def is_image(self) -> bool:
        """Shown inline (a thumbnail) and served inline: raster images sniffed from the bytes."""
        return self.status == AttachmentStatus.STORED and self.content_type in INLINE_IMAGE_TYPES


#: images a browser shows without running anything (SVG can hold scripts: a download)
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
