"""A history import (one file, resumable) and the rows it wrote (the unique key that makes
importing the same file twice import nothing new, and the mark that a message or an event
came from imported data)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import TenantOwned


class UploadStorage(FileSystemStorage):
    """Where uploaded history files wait for their task: ``IMPORTS_UPLOAD_DIR``, read at each use."""

    @property
    def base_location(self) -> str:
        return settings.IMPORTS_UPLOAD_DIR

    @property
    def location(self) -> str:
        import os

        return os.path.abspath(self.base_location)


def upload_storage() -> FileSystemStorage:
    return UploadStorage()


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSONL = "jsonl", "JSON Lines"
    MBOX = "mbox", "mbox"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


#: errors kept on the record; the count goes on beyond it
MAX_ERRORS_KEPT = 1000


class HistoryImport(TenantOwned):
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    #: the uploaded file (``POST /imports/``) the task reads; empty for the command
    file = models.FileField(upload_to="%Y/%m/", storage=upload_storage, blank=True)
    format = models.CharField(_("format"), max_length=8, choices=ImportFormat.choices)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    imported = models.PositiveIntegerField(_("rows imported"), default=0)
    skipped = models.PositiveIntegerField(_("rows skipped"), default=0)
    error_count = models.PositiveIntegerField(_("rows refused"), default=0)
    errors = models.JSONField(default=list, blank=True)
    #: the last line (record number for mbox) whose batch is committed: a rerun resumes after it
    last_line = models.PositiveIntegerField(default=0)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True)
    created_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "file_sha256", "created_at"])]
        verbose_name = _("history import")
        verbose_name_plural = _("history imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"


class ImportedRow(TenantOwned):
    """One imported row: ``key`` is the SHA-256 of its external id (per channel kind) or of
    its content, unique per tenant."""

    key = models.CharField(max_length=64)
    history_import = models.ForeignKey(HistoryImport, on_delete=models.CASCADE, related_name="+", db_index=False)
    message = models.OneToOneField(
        "crm.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="imported_row"
    )
    event = models.OneToOneField(
        "crm.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="imported_row"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="imported_row_key_unique")]
        indexes = [models.Index(fields=["tenant", "history_import"])]
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")


class SalesSetting(models.Model):
    """The tenant's reporting currency and the rates other currencies are converted at."""

    tenant = models.OneToOneField("crm.Tenant", on_delete=models.CASCADE, related_name="sales_setting")
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    #: ``{"USD": 0.92}``: one unit of USD is 0.92 units of ``currency``
    rates = models.JSONField(_("conversion rates"), default=dict, blank=True)

    class Meta:
        verbose_name = _("sales setting")
        verbose_name_plural = _("sales settings")

    def __str__(self) -> str:
        return self.currency
