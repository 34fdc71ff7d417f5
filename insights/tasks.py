"""Celery tasks of insights: read the row id, call the service, return."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from .reports.services import report_compute


@shared_task(
    name="insights.comparison_report_compute",
    soft_time_limit=settings.INSIGHTS_REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.INSIGHTS_REPORT_TIME_LIMIT,
)
def comparison_report_compute(report_id: int) -> None:
    """Compute one stored comparison report (``insights.models.ComparisonReport``)."""
    report_compute(report_id=report_id)
