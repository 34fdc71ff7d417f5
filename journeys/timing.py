"""Time rules of journeys: quiet hours and waits. Every function takes the time from the caller."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.dateparse import parse_datetime

from crm.models import Contact, Tenant

DEFAULT_TIMEZONE = "Europe/Paris"


def contact_zone(*, tenant: Tenant, contact: Contact) -> ZoneInfo:
    """The contact's time zone, else the tenant's, else Europe/Paris."""
    for name in (contact.timezone, tenant.timezone, DEFAULT_TIMEZONE):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo(DEFAULT_TIMEZONE)


def _in_window(local: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight


def quiet_hours_end(*, tenant: Tenant, zone: ZoneInfo, at: datetime) -> datetime | None:
    """When the quiet hours holding ``at`` end, or ``None`` if ``at`` is not in quiet hours."""
    start, end = tenant.quiet_hours_start, tenant.quiet_hours_end
    if start is None or end is None or start == end:
        return None
    local = at.astimezone(zone)
    if not _in_window(local.time(), start, end):
        return None
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)


def wait_until(*, step: dict, context: dict, zone: ZoneInfo, at: datetime) -> datetime:
    """When a ``wait`` step started at ``at`` ends.

    ``{"seconds": N}`` waits N seconds. ``{"until": prop, "offset_seconds": N, "at_time": "HH:MM"}``
    waits until the date and time in the trigger event's property ``prop`` plus the offset, then
    moved to ``at_time`` (local time) on that day. A missing or unreadable property ends the wait
    at once (the step that follows decides what to do).
    """
    if step.get("until") is None:
        return at + timedelta(seconds=step["seconds"])
    raw = context.get(step["until"])
    moment = parse_datetime(raw) if isinstance(raw, str) else None
    if moment is None:
        return at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    moment = moment + timedelta(seconds=step.get("offset_seconds") or 0)
    if step.get("at_time"):
        hours, minutes = (int(x) for x in step["at_time"].split(":"))
        local = moment.astimezone(zone)
        moment = datetime.combine(local.date(), time(hours, minutes), tzinfo=zone)
    return max(moment, at)
