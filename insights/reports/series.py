"""Weekly figures for the charts (replay per policy, observed per mode): the period cut into weeks starting on Monday in the
tenant's time zone (the first and last clipped to the period), each computed as a period of
its own (metrics.md: nothing before a period's start is looked at)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from crm.models import Tenant
from insights.metrics.observed import observed_metrics
from insights.metrics.replay import replay_metrics

from .time import iso, tenant_zone

MAX_WEEKS = 53  # a longer period gets no weekly series (its charts show the whole period only)


def weeks(*, start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` cut at each Monday midnight of ``zone``."""
    local = start.astimezone(zone)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), time.min, tzinfo=zone)
    cuts, edge = [start], monday + timedelta(days=7)
    while edge < end:
        cuts.append(edge)
        edge = datetime.combine(edge.date() + timedelta(days=7), time.min, tzinfo=zone)
    cuts.append(end)
    return list(zip(cuts, cuts[1:], strict=False))


def weekly_series(
    *, tenant: Tenant, start: datetime, end: datetime, on_week: Callable[[int, int], None] | None = None
) -> dict:
    """``{"weeks": [{"start", "end", "replay": {policy: figures}, "observed": {mode: figures}}]}``;
    no weeks past ``MAX_WEEKS``."""
    slices = weeks(start=start, end=end, zone=tenant_zone(tenant))
    if len(slices) > MAX_WEEKS:
        return {"weeks": [], "too_long": True}
    out = []
    for i, (week_start, week_end) in enumerate(slices):
        if on_week:
            on_week(i, len(slices))
        observed, _experiment = observed_metrics(tenant=tenant, start=week_start, end=week_end)
        replay = replay_metrics(tenant=tenant, start=week_start, end=week_end)
        out.append({"start": iso(week_start), "end": iso(week_end), "replay": replay, "observed": observed})
    return {"weeks": out}
