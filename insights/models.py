"""The stored comparison report: computed in the background per tenant and period, shown with
its age, recomputed on demand (docs/metrics.md, "The stored report")."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import TenantOwned


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be computed")
    RUNNING = "running", _("being computed")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")


class ComparisonReport(TenantOwned):
    """One period's report. ``data`` is the JSON of ``GET /comparison/`` for that period,
    ``series`` the weekly observed figures the charts draw; ``watermarks`` the newest row of
    each log table when the computation started (newer rows make the report stale)."""

    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    step = models.CharField(max_length=64, blank=True)
    data = models.JSONField(null=True, blank=True)
    series = models.JSONField(null=True, blank=True)
    watermarks = models.JSONField(default=dict, blank=True)
    settings_key = models.CharField(max_length=64, blank=True)
    requested_at = models.DateTimeField()
    computed_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "start", "end"], name="insights_report_period")]
        indexes = [models.Index(fields=["tenant", "requested_at"])]
        verbose_name = _("comparison report")
        verbose_name_plural = _("comparison reports")

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d} ({self.status})"
