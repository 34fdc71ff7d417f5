"""The stored report's life: requested, computed in the background (eager without a broker),
read with its freshness, recomputed on demand. The page and ``GET /comparison/`` read the same
row, so they show the same figures."""

from __future__ import annotations

import logging
import time as clock
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crm.models import Tenant
from insights.metrics.comparison import comparison_report
from insights.models import ComparisonReport, ReportStatus

from .freshness import newer_rows, settings_key, watermarks
from .series import weekly_series

logger = logging.getLogger(__name__)

KEEP_PER_TENANT = 50  # older reports are deleted when a new period is requested
#: progress (percent) reached when each step starts; the weeks share what is left
STEP_PROGRESS = {"observed": 5, "profile": 20, "replay": 25, "weeks": 35}
ACTIVE = (ReportStatus.PENDING, ReportStatus.RUNNING)


@dataclass(frozen=True)
class ReportState:
    """What the page says about a stored report."""

    report: ComparisonReport | None
    stale: bool
    newer: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return self.report is not None and self.report.data is not None

    @property
    def active(self) -> bool:
        return self.report is not None and self.report.status in ACTIVE

    @property
    def age(self) -> timedelta | None:
        computed = self.report and self.report.computed_at
        return timezone.now() - computed if computed else None


def report_find(*, tenant: Tenant, start: datetime, end: datetime) -> ComparisonReport | None:
    return ComparisonReport.objects.filter(tenant=tenant, start=start, end=end).first()


def report_state(*, tenant: Tenant, report: ComparisonReport | None) -> ReportState:
    """The report and whether newer data or other settings make it stale (one query)."""
    if report is None or report.data is None:
        return ReportState(report, stale=False)
    newer = tuple(newer_rows(tenant, report.watermarks))
    return ReportState(report, stale=bool(newer) or report.settings_key != settings_key(tenant), newer=newer)


def _abandoned(report: ComparisonReport) -> bool:
    """A computation that outlived the task's hard time limit died with its worker."""
    limit = timedelta(seconds=settings.INSIGHTS_REPORT_TIME_LIMIT)
    return report.status in ACTIVE and timezone.now() - report.requested_at > limit


def report_request(*, tenant: Tenant, start: datetime, end: datetime) -> ComparisonReport:
    """Ask for the period's report to be (re)computed in the background, unless a computation
    is already under way; eager without a broker, so the row is then ready."""
    from insights.tasks import comparison_report_compute

    report, created = ComparisonReport.objects.get_or_create(
        tenant=tenant, start=start, end=end, defaults={"requested_at": timezone.now()}
    )
    if created:
        _prune(tenant)
    elif report.status in ACTIVE and not _abandoned(report):
        return report
    else:
        ComparisonReport.objects.filter(pk=report.pk).update(
            status=ReportStatus.PENDING, progress=0, step="", error="", requested_at=timezone.now()
        )
    comparison_report_compute.delay(report.pk)  # the row is committed: a worker can read it
    report.refresh_from_db()
    return report


def _prune(tenant: Tenant) -> None:
    old = ComparisonReport.objects.filter(tenant=tenant).order_by("-requested_at", "-pk")
    ids = list(old.values_list("pk", flat=True)[KEEP_PER_TENANT:])
    if ids:
        ComparisonReport.objects.filter(pk__in=ids).delete()


def _mark(report_id: int, **fields) -> None:
    ComparisonReport.objects.filter(pk=report_id).update(**fields)


def report_compute(*, report_id: int) -> None:
    """Compute the stored report: the API's JSON and the weekly series, with progress."""
    report = ComparisonReport.objects.select_related("tenant").filter(pk=report_id).first()
    if report is None:
        return
    tenant, began = report.tenant, clock.monotonic()
    _mark(report_id, status=ReportStatus.RUNNING, progress=1, step="observed")
    marks, key = watermarks(tenant), settings_key(tenant)  # before reading: rows added meanwhile make it stale

    def on_step(name: str) -> None:
        _mark(report_id, progress=STEP_PROGRESS[name], step=name)

    def on_week(done: int, total: int) -> None:
        _mark(report_id, progress=STEP_PROGRESS["weeks"] + (99 - STEP_PROGRESS["weeks"]) * done // total, step="weeks")

    try:
        data = comparison_report(tenant=tenant, start=report.start, end=report.end, on_step=on_step)
        series = weekly_series(tenant=tenant, start=report.start, end=report.end, on_week=on_week)
    except Exception as exc:
        logger.exception("comparison report %s failed", report_id)
        _mark(report_id, status=ReportStatus.FAILED, error=str(exc)[:2000], step="")
        raise
    _mark(
        report_id,
        status=ReportStatus.READY,
        progress=100,
        step="",
        data=data,
        series=series,
        watermarks=marks,
        settings_key=key,
        computed_at=timezone.now(),
        duration_seconds=round(clock.monotonic() - began, 3),
    )


def report_answer(*, tenant: Tenant, start: datetime, end: datetime) -> ComparisonReport:
    """The period's report, fresh: the stored one when nothing changed since, else computed now
    (the caller waits) and stored for the page."""
    report = report_find(tenant=tenant, start=start, end=end)
    state = report_state(tenant=tenant, report=report)
    if state.ready and not state.stale:
        return report
    if report is None:
        with transaction.atomic():
            report, created = ComparisonReport.objects.get_or_create(
                tenant=tenant, start=start, end=end, defaults={"requested_at": timezone.now()}
            )
        if created:
            _prune(tenant)
    report_compute(report_id=report.pk)
    report.refresh_from_db()
    return report
