"""Business time: adding business minutes to an instant under weekly hours and holidays, in
a tenant's time zone (``zoneinfo``).

A day's window ``["09:00", "18:00"]`` runs from the first instant the local clock reads 09:00
to the first instant it reads 18:00 (``"24:00"``: the next midnight). So a window crossing a
change of time lasts what the clocks say it lasts in real time: 01:00-04:00 in Paris is two
hours on the last Sunday of March and four on the last Sunday of October. A wall time the
clocks skip (02:30 in March) is reached at the change itself. Minutes are real minutes inside
the windows; a holiday (a local date) has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from crm.errors import ApplicationError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: how far ahead a due time is looked for (a policy with almost no open day still ends)
HORIZON_DAYS = 800
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def _clock(value: str) -> time | None:
    """``HH:MM`` as a time; ``24:00`` is ``None`` (the end of the day)."""
    return None if value == "24:00" else time(int(value[:2]), int(value[3:]))


def business_hours_check(value) -> dict[str, list[list[str]]]:
    """The weekly hours as stored, or a 400 on ``business_hours``: weekday keys ``mon``..``sun``,
    each a list of ``["HH:MM", "HH:MM"]`` windows, start before end, not overlapping."""
    if not isinstance(value, dict) or any(key not in DAYS for key in value):
        raise ApplicationError("Business hours are keyed by weekday.", {"business_hours": [f"keys among {DAYS}"]})
    for day, windows in value.items():
        if not isinstance(windows, list) or not all(
            isinstance(w, list) and len(w) == 2 and all(isinstance(x, str) and _HHMM.match(x) for x in w)
            for w in windows
        ):
            raise ApplicationError('A window is ["HH:MM", "HH:MM"].', {"business_hours": [f"{day}: bad window"]})
        ordered = sorted(windows)
        if any(start >= end for start, end in ordered) or any(a[1] > b[0] for a, b in pairwise(ordered)):
            raise ApplicationError(
                "Windows start before they end and do not overlap.", {"business_hours": [f"{day}: bad window"]}
            )
    return {day: sorted(value[day]) for day in DAYS if value.get(day)}


def holidays_check(value) -> list[str]:
    """The holidays as stored (sorted ISO dates), or a 400 on ``holidays``."""
    error = ApplicationError("Holidays are a list of dates.", {"holidays": ["a list of YYYY-MM-DD"]})
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise error
    try:
        return sorted({date.fromisoformat(v).isoformat() for v in value})
    except ValueError:
        raise error from None


def instant(day: date, clock: time | None, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) the local clock of ``tz`` reads ``clock`` on ``day`` (``None``:
    the next midnight); for a time the clocks skip, the change itself."""
    if clock is None:
        day, clock = day + timedelta(days=1), time(0)
    wall = datetime.combine(day, clock)
    first = wall.replace(tzinfo=tz).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first
    # skipped: the local clock jumps over ``wall`` between these two readings
    low, high = sorted((first, wall.replace(tzinfo=tz, fold=1).astimezone(UTC)))
    lo, hi = 0, int((high - low).total_seconds())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if (low + timedelta(seconds=mid)).astimezone(tz).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    return low + timedelta(seconds=hi)


@dataclass(frozen=True)
class BusinessCalendar:
    tz: ZoneInfo
    hours: tuple[tuple[tuple[time, time | None], ...], ...]  # per weekday (Monday first)
    holidays: frozenset[date]

    @classmethod
    def of(cls, *, business_hours: dict, holidays: list, timezone: str) -> BusinessCalendar:
        hours = tuple(tuple((_clock(s), _clock(e)) for s, e in sorted(business_hours.get(day) or [])) for day in DAYS)
        return cls(ZoneInfo(timezone), hours, frozenset(date.fromisoformat(d) for d in holidays))

    def windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The business windows of a local date, as UTC instants (none on a holiday)."""
        if day in self.holidays:
            return []
        out = []
        for start, end in self.hours[day.weekday()]:
            begin, finish = instant(day, start, self.tz), instant(day, end, self.tz)
            if finish > begin:
                out.append((begin, finish))
        return out

    def is_open(self, at: datetime) -> bool:
        day = at.astimezone(self.tz).date()
        return any(begin <= at < end for d in (day - timedelta(days=1), day) for begin, end in self.windows(d))

    def add(self, start: datetime, minutes: int) -> datetime | None:
        """``start`` plus ``minutes`` business minutes; ``None`` if the calendar has no open time
        within ``HORIZON_DAYS``. Zero minutes is the first business instant at or after ``start``."""
        remaining = timedelta(minutes=minutes)
        day = start.astimezone(self.tz).date() - timedelta(days=1)
        for _ in range(HORIZON_DAYS):
            for begin, end in self.windows(day):
                if end <= start:
                    continue
                begin = max(begin, start)
                if begin + remaining <= end:
                    return begin + remaining
                remaining -= end - begin
            day += timedelta(days=1)
        return None
