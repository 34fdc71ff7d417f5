"""Figures in human units, in the active language: durations in days, hours and minutes,
shares in percent, differences of shares in percentage points, numbers with the locale's
separators. One module for the page, the terminal table and the verdict."""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

SECONDS, SHARE, NUMBER, COUNT = "seconds", "share", "number", "count"
MISSING = "–"


def unit_of(key: str) -> str:
    """The unit of a metric key: durations end in ``seconds`` (``_median``/``_p90`` allowed),
    rates and shares in ``_rate``/``_share``; the rest are numbers."""
    base = key.removesuffix("_median").removesuffix("_p90")
    if base.endswith("seconds"):
        return SECONDS
    return SHARE if base.endswith(("_rate", "_share")) else NUMBER


def duration(seconds: float, *, signed: bool = False) -> str:
    """``45 s``, ``12 min``, ``3 h 05 min``, ``2 d 4 h`` (French ``2 j 4 h``)."""
    sign = ("−" if seconds < 0 else "+") if signed and round(seconds) != 0 else ("−" if seconds < 0 else "")
    total = abs(round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if total < 60:
        text = f"{secs} s"
    elif total < 600:
        text = f"{minutes} min {secs:02d} s" if secs else f"{minutes} min"
    elif total < 3600:
        text = f"{minutes + (secs >= 30)} min"
    elif days < 2:
        minutes = round(rest / 60)
        hours += days * 24
        hours, minutes = (hours + 1, 0) if minutes == 60 else (hours, minutes)
        text = f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    else:
        hours = hours + (rest >= 1800)
        day = pgettext("abbreviation of days", "d")
        text = f"{days} {day} {hours} h" if hours else f"{days} {day}"
    return sign + text


def number(value: Any, *, digits: int | None = None, signed: bool = False) -> str:
    if value is None:
        return MISSING
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if digits is None:
        digits = 0 if isinstance(value, int) or abs(value) >= 1000 else 2
    # number_format truncates the digits it drops: round first
    text = number_format(round(abs(value) if signed else value, digits), digits, force_grouping=True)
    if signed:
        return ("−" if value < 0 else "+") + text if round(value, digits) != 0 else text
    return text.replace("-", "−", 1) if value < 0 else text


def percent(share: float) -> str:
    return f"{number_format(round(share * 100, 1), 1)} %"


def points(share_difference: float) -> str:
    """A difference of two rates in percentage points: ``+8.2 pp`` (French ``+8,2 pts``)."""
    unit = _("pp")  # percentage points
    return f"{number(share_difference * 100, digits=1, signed=True)} {unit}"


def value_text(value: Any, unit: str, *, difference: bool = False) -> str:
    """One figure in its unit; ``difference`` gives a sign, and points for shares."""
    if value is None:
        return MISSING
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if unit == SECONDS:
        return duration(value, signed=difference)
    if unit == SHARE:
        return points(value) if difference else percent(value)
    return number(value, signed=difference)


def interval_text(low: Any, high: Any, unit: str, *, difference: bool = False) -> str | None:
    if low is None or high is None:
        return None
    return f"[{value_text(low, unit, difference=difference)} ; {value_text(high, unit, difference=difference)}]"
