"""Instants of the reports: the tenant's zone, ISO text in UTC, the period rule of the page."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm.models import Tenant


def tenant_zone(tenant: Tenant) -> ZoneInfo:
    try:
        return ZoneInfo(tenant.timezone)
    except (ValueError, ZoneInfoNotFoundError):
        return ZoneInfo("UTC")


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def day_period(*, start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The page's period: from the start of ``start`` to the start of ``end`` in the tenant's
    zone, ``end`` excluded, the rule of ``compare --end`` and of the API."""
    return datetime.combine(start, time.min, tzinfo=zone), datetime.combine(end, time.min, tzinfo=zone)


def default_days(*, today: date, days: int = 30) -> tuple[date, date]:
    """The page's default: the last ``days`` days, today included (``end`` is tomorrow)."""
    end = today + timedelta(days=1)
    return end - timedelta(days=days), end
