"""The statistics of one figure of the report, whatever its shape: a number, or a dict such as
``{"n", "median", "median_ci", "p90", "p90_ci", "unanswered"}``, ``{"n", "mean", "ci"}``,
``{"n", "count", "rate", "ci", "journeys": {...}}`` or a difference ``{"value", "ci"}``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PRIMARY = ("value", "mean", "rate", "median")  # the statistic a plain ``ci`` belongs to


@dataclass(frozen=True)
class Stat:
    name: str
    value: Any
    low: Any = None
    high: Any = None
    n: int | None = None
    estimated: bool = True  # False: a count beside the figure (``unanswered``), no interval meant


def _bounds(ci: Any) -> tuple[Any, Any]:
    return (ci[0], ci[1]) if isinstance(ci, list | tuple) and len(ci) == 2 else (None, None)


def _scalar(value: Any) -> bool:
    return value is None or (isinstance(value, int | float | str) and not isinstance(value, bool))


def statistics(raw: Any) -> list[Stat]:
    """Every scalar statistic of a figure, in the report's order; each with its interval."""
    if not isinstance(raw, dict):
        return [Stat("value", raw)] if _scalar(raw) else []
    n = raw.get("n")
    primary = next((k for k in PRIMARY if k in raw), None)
    out = []
    for key, value in raw.items():
        if key == "n" or key == "ci" or key.endswith("_ci") or not _scalar(value):
            continue
        ci_key = f"{key}_ci" if f"{key}_ci" in raw else ("ci" if key == primary and "ci" in raw else None)
        out.append(Stat(key, value, *_bounds(raw.get(ci_key) if ci_key else None), n, estimated=ci_key is not None))
    return out


def estimates(raw: Any) -> list[Stat]:
    """The statistics a figure is estimated by (those with an interval key): median and p90 of
    a duration, the mean, the rate; a plain number is its own."""
    stats = statistics(raw)
    return [s for s in stats if s.estimated] if isinstance(raw, dict) else stats


def nested(raw: Any) -> dict[str, dict]:
    """Figures inside a figure (``journey_conversion_rate.journeys.<name>``)."""
    if not isinstance(raw, dict):
        return {}
    out = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            for name, inner in value.items():
                if isinstance(inner, dict):
                    out[f"{key}.{name}"] = inner
    return out
