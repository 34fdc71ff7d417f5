"""What the page's charts draw, as plain data for ``json_script``: one chart per figure the
report has (replay per policy; observed per mode or cohort, with 95% intervals as error bars;
observed week by week per mode). Durations are drawn in hours, shares in percent."""

from __future__ import annotations

from datetime import datetime

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .catalog import COHORT_LABELS, STATISTIC_LABELS, label, mode_label
from .figures import estimates
from .units import SECONDS, SHARE, unit_of


def _scale(unit: str):
    if unit == SECONDS:
        return _("hours"), lambda v: None if v is None else round(v / 3600, 2)
    if unit == SHARE:
        return "%", lambda v: None if v is None else round(v * 100, 2)
    return "", lambda v: v


def _chart(id_: str, title: str, unit: str, kind: str, labels: list[str], series: list[tuple[str, list]]) -> dict:
    axis, scale = _scale(unit)
    datasets = [
        {
            "label": name,
            "data": [scale(s.value if s else None) for s in stats],
            "low": [scale(s.low if s else None) for s in stats],
            "high": [scale(s.high if s else None) for s in stats],
        }
        for name, stats in series
    ]
    return {"id": id_, "title": title, "axis": axis, "type": kind, "labels": labels, "datasets": datasets}


def _keys(blocks: list[dict]) -> list[str]:
    return list(dict.fromkeys(k for b in blocks for k, v in b.items() if k != "mode" and v is not None))


def _first_estimate(raw):
    stats = estimates(raw)
    return stats[0] if stats else None


def replay_charts(report: dict) -> list[dict]:
    replay = report.get("replay") or {}
    modes = list(replay)
    labels = [mode_label(m) for m in modes]
    out = []
    for key in _keys(list(replay.values())):
        stats = [_first_estimate(replay[m].get(key)) for m in modes]
        if any(s is not None and isinstance(s.value, int | float) for s in stats):
            out.append(_chart(f"replay-{key}", label(key), unit_of(key), "bar", labels, [(label(key), stats)]))
    return out


def _groups(report: dict) -> list[tuple[str, dict]]:
    """The experiment's cohorts when one ran, else the observed effective modes."""
    cohorts = (report.get("experiment") or {}).get("cohorts")
    if cohorts:
        return [
            (f"{COHORT_LABELS[n]} ({mode_label(cohorts[n].get('mode', ''))})", cohorts[n])
            for n in ("holdout", "treatment")
            if n in cohorts
        ]
    return [(mode_label(m), block or {}) for m, block in (report.get("observed") or {}).items()]


def mode_charts(report: dict) -> list[dict]:
    groups = _groups(report)
    labels = [name for name, _block in groups]
    out = []
    for key in _keys([b for _n, b in groups]):
        stats = [_first_estimate(b.get(key)) for _n, b in groups]
        if not any(s is not None and isinstance(s.value, int | float) for s in stats):
            continue
        stat = next(s.name for s in stats if s is not None)
        title = label(key) + (f" · {STATISTIC_LABELS[stat]}" if stat in ("median", "p90") else "")
        out.append(_chart(f"mode-{key}", title, unit_of(key), "bar", labels, [(title, stats)]))
    return out


def _week_label(iso: str) -> str:
    start: datetime | None = parse_datetime(iso)
    return formats.date_format(timezone.localtime(start), "SHORT_DATE_FORMAT") if start else iso


def _weekly(weeks: list[dict], section: str, labels: list[str]) -> list[dict]:
    modes = list(dict.fromkeys(m for w in weeks for m in w.get(section) or {}))
    blocks = [w[section][m] for w in weeks for m in w.get(section) or {}]
    out = []
    for key in _keys(blocks):
        lines = [
            (mode_label(m), [_first_estimate(((w.get(section) or {}).get(m) or {}).get(key)) for w in weeks])
            for m in modes
        ]
        if any(s is not None and isinstance(s.value, int | float) for _m, stats in lines for s in stats):
            out.append(_chart(f"week-{section}-{key}", label(key), unit_of(key), "line", labels, lines))
    return out


def weekly_charts(series: dict | None) -> list[dict]:
    """Week by week: the replay figures per policy, then the observed ones per mode."""
    weeks = (series or {}).get("weeks") or []
    if len(weeks) < 2:
        return []
    labels = [_week_label(w["start"]) for w in weeks]
    return _weekly(weeks, "replay", labels) + _weekly(weeks, "observed", labels)
