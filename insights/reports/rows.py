"""The report shaped into table rows: the page and the terminal table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.policies import registry as policies

from .catalog import COHORT_LABELS, METRIC_LABELS, STATISTIC_LABELS, label, mode_label
from .figures import estimates, statistics
from .units import interval_text, unit_of, value_text

POLICIES = tuple(policies.keys())
__all__ = ["METRIC_LABELS", "POLICIES", "experiment_rows", "observed_rows", "profile_rows", "replay_rows"]


@dataclass(frozen=True)
class Figure:
    """One cell: a value, optionally its sample size and 95% interval, in human units."""

    value: Any
    n: int | None = None
    low: Any = None
    high: Any = None
    unit: str = ""
    difference: bool = False
    why_missing: str = ""  # said beside the dash when there is no value

    @property
    def missing(self) -> bool:
        return self.value is None

    @property
    def display(self) -> str:
        return value_text(self.value, self.unit, difference=self.difference)

    @property
    def interval(self) -> str | None:
        return interval_text(self.low, self.high, self.unit, difference=self.difference)


def figure(raw: Any, stat: str | None = None, *, unit: str = "", difference: bool = False) -> Figure:
    """A cell from a report value; ``stat`` picks one statistic of a figure (``median``)."""
    stats = statistics(raw) if stat else estimates(raw)
    chosen = next((s for s in stats if s.name == stat), None) if stat else (stats[0] if stats else None)
    if chosen is None:
        return Figure(None, unit=unit, difference=difference)
    return Figure(chosen.value, chosen.n, chosen.low, chosen.high, unit=unit, difference=difference)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: list[Figure]


def replay_rows(report: dict) -> list[Row]:
    replay = report.get("replay") or {}
    keys = list(dict.fromkeys(k for mode in POLICIES for k in (replay.get(mode) or {})))
    return [Row(k, label(k), [figure((replay.get(m) or {}).get(k), unit=unit_of(k)) for m in POLICIES]) for k in keys]


def profile_rows(report: dict) -> list[Row]:
    return [Row(k, label(k), [figure(v, unit=unit_of(k))]) for k, v in (report.get("profile") or {}).items()]


@dataclass(frozen=True)
class ObservedTable:
    columns: list[str]
    rows: list[Row]


def _observed_keys(groups: list[dict]) -> list[tuple[str, str, str, str | None]]:
    """(row key, label, figure key, statistic): a figure estimated by several statistics (a
    duration's median and p90) gives one row each."""
    keys = []
    for name in dict.fromkeys(k for g in groups for k in g if isinstance(g[k], dict)):
        sample = next(g[name] for g in groups if isinstance(g.get(name), dict))
        stats = [s.name for s in estimates(sample)]
        if len(stats) > 1:
            keys += [(f"{name}_{s}", f"{label(name)} · {STATISTIC_LABELS.get(s, s)}", name, s) for s in stats]
        else:
            keys.append((name, label(name), name, None))
    return keys


def _table(columns: list[str], groups: list[dict]) -> ObservedTable:
    rows = [
        Row(key, text, [figure(g.get(name), stat, unit=unit_of(name)) for g in groups])
        for key, text, name, stat in _observed_keys(groups)
    ]
    return ObservedTable(columns, rows)


def observed_rows(report: dict) -> ObservedTable:
    observed = report.get("observed") or {}
    return _table([mode_label(m) for m in observed], [observed[m] or {} for m in observed])


NO_DIFFERENCE = _("no interval: the experiment estimates the difference of medians, not of p90s")


def experiment_rows(report: dict) -> ObservedTable | None:
    """Holdout and treatment cohorts side by side, then treatment minus holdout with its interval."""
    experiment = report.get("experiment")
    if not experiment or "cohorts" not in experiment:
        return None
    cohorts = experiment["cohorts"]
    names = [n for n in ("holdout", "treatment") if n in cohorts]
    columns = [f"{COHORT_LABELS[n]} ({mode_label(cohorts[n].get('mode', ''))})" for n in names]
    table = _table(columns, [cohorts[n] for n in names])
    difference = experiment.get("difference") or {}
    rows = []
    for r in table.rows:
        cell = figure(difference.get(r.key), unit=unit_of(r.key), difference=True)
        if r.key not in difference:
            cell = Figure(None, why_missing=str(NO_DIFFERENCE))
        rows.append(Row(r.key, r.label, [*r.cells, cell]))
    return ObservedTable([*columns, str(_("Difference (treatment - holdout)"))], rows)


def observed_repeats_experiment(report: dict) -> bool:
    """Whether every observed mode's figures are exactly those of the experiment cohort of
    that mode (the experiment covered the whole period): then one table says it all."""
    cohorts = (report.get("experiment") or {}).get("cohorts") or {}
    by_mode = {c.get("mode"): {k: v for k, v in c.items() if k != "mode"} for c in cohorts.values()}
    observed = report.get("observed") or {}
    return bool(observed) and all(by_mode.get(mode) == block for mode, block in observed.items())
