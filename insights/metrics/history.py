"""The report's additions for imported history, sales, experiment planning and switches:
``report_extend`` adds them to the comparison report (additive only, existing keys unchanged).

- ``observed.<mode>`` and ``experiment.cohorts`` / ``difference``: the sales figures
  (``sales.py``);
- ``experiment.peeking``: figures read before the cohorts have the sample they need (``plan.py``);
- ``before_after``: a switch inside the period (``before_after.py``);
- ``imported``: how much of the period's data comes from history imports, and which
  figures it reaches.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from crm.models import Tenant
from imports.models import HistoryImport, ImportedRow

from . import observed
from .before_after import before_after
from .modes import ModeTimeline
from .plan import peeking_warnings
from .sales import sales_collect, sales_extend


def imported_block(*, tenant: Tenant, start: datetime, end: datetime) -> dict | None:
    counts = ImportedRow.objects.filter(tenant=tenant).aggregate(
        messages=Count("pk", filter=Q(message__occurred_at__gte=start, message__occurred_at__lt=end)),
        events=Count("pk", filter=Q(event__occurred_at__gte=start, event__occurred_at__lt=end)),
    )
    messages, events = counts["messages"], counts["events"]
    if not messages and not events:
        return None
    imports = HistoryImport.objects.filter(
        tenant=tenant, dry_run=False, period_start__lt=end, period_end__gte=start
    ).order_by("pk")
    figures = ["profile", "replay", "observed"] if messages else ["profile", "observed"]
    return {
        "messages": messages,
        "events": events,
        "figures": figures,
        "imports": [
            {
                "id": imp.pk,
                "file_name": imp.file_name,
                "period_start": imp.period_start.isoformat() if imp.period_start else None,
                "period_end": imp.period_end.isoformat() if imp.period_end else None,
            }
            for imp in imports
        ],
    }


def report_extend(report: dict, *, tenant: Tenant, start: datetime, end: datetime) -> dict:
    timeline = ModeTimeline(tenant)
    sales = sales_collect(tenant=tenant, start=start, end=end, timeline=timeline)
    sales_extend(report, sales)
    if report.get("experiment"):
        groups = observed.collect(tenant=tenant, start=start, end=end)
        report["experiment"]["peeking"] = peeking_warnings(groups, sales)
    if (block := before_after(tenant=tenant, start=start, end=end, timeline=timeline)) is not None:
        report["before_after"] = block
    if (block := imported_block(tenant=tenant, start=start, end=end)) is not None:
        report["imported"] = block
    return report
