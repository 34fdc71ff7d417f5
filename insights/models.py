"""The stored comparison report: computed in the background per tenant and period, shown with
its age, recomputed on demand (docs/metrics.md, "The stored report")."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import TenantOwned


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be computed")
    RUNNING = "running", _("being computed")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")


class OrderedJSONField(models.TextField):
    """JSON kept as text: PostgreSQL's ``jsonb`` reorders an object's keys, and the stored
    report is served as the API's answer, whose key order is part of what clients see."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else json.loads(value)

    def to_python(self, value):
        return json.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        return None if value is None else json.dumps(value, cls=DjangoJSONEncoder)


class ComparisonReport(TenantOwned):
    """One period's report. ``data`` is the JSON of ``GET /comparison/`` for that period,
    ``series`` the weekly observed figures the charts draw; ``watermarks`` the newest row of
    each log table when the computation started (newer rows make the report stale)."""

    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    step = models.CharField(max_length=64, blank=True)
    data = OrderedJSONField(null=True, blank=True)
    series = OrderedJSONField(null=True, blank=True)
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
