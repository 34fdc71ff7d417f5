"""Command-line instants: one parser for every command's ``--start``, ``--end``, ``--until``."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time

from django.core.management.base import CommandError
from django.utils.dateparse import parse_date, parse_datetime


def parse_instant(value: str | None, name: str, tz: str = "UTC") -> datetime | None:
    """ISO 8601 date-time or date. Without a UTC offset it is read in ``tz`` (a date means
    its midnight there); anything else is a clear command-line error."""
    if value is None:
        return None
    try:
        parsed = parse_datetime(value)
        if parsed is None and (day := parse_date(value)) is not None:
            parsed = datetime.combine(day, time.min)
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(f"--{name} must be an ISO 8601 date or date-time, got {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zoneinfo.ZoneInfo(tz))
    return parsed
