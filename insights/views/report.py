"""The comparison report (insights.metrics) shaped into table rows for the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models import Mode, Tenant
from crm.policies import registry as policies
from insights.metrics.comparison import comparison_report

POLICIES = tuple(policies.keys())
MODE_LABELS = dict(Mode.choices)
COHORT_LABELS = {"holdout": _("Holdout"), "treatment": _("Treatment")}

METRIC_LABELS = {
    "episodes": _("Episodes (customer needs)"),
    "threads": _("Tickets opened"),
    "fragmentation": _("Tickets per episode"),
    "channel_switches": _("Channel switches"),
    "context_losses": _("Context losses"),
    "context_loss_rate": _("Context loss rate"),
    "repeat_contact_share": _("Episodes where the customer repeats"),
    "stale_channel_replies": _("Replies on a stale channel"),
    "post_goal_sends": _("Sends after the goal was reached"),
    "capped_sends": _("Sends beyond the frequency cap"),
    "offer_redemptions_refused": _("Offer redemptions refused"),
    "first_response_seconds": _("First response time"),
    "resolution_seconds": _("Resolution time"),
    "customer_messages_per_episode": _("Customer messages per episode"),
    "tickets_per_episode": _("Tickets per episode"),
    "csat": _("Satisfaction (CSAT, 1-5)"),
    "journey_conversion_rate": _("Journey conversion rate"),
    "opt_out_rate": _("Opt-out rate"),
    "contacts": _("Active contacts"),
    "multi_identity_share": _("Contacts reachable on 2+ channel kinds"),
    "consent_conflicts": _("Consent conflicts"),
}


def build_report(*, tenant: Tenant, start: datetime, end: datetime) -> dict:
    return comparison_report(tenant=tenant, start=start, end=end)


@dataclass(frozen=True)
class Figure:
    """One cell: a value, optionally its sample size and 95% interval."""

    value: Any
    n: int | None = None
    low: Any = None
    high: Any = None
    unit: str = ""  # "seconds", "share" or a plain number

    @property
    def missing(self) -> bool:
        return self.value is None

    @property
    def display(self) -> str:
        return self._format(self.value)

    @property
    def interval(self) -> str | None:
        if self.low is None or self.high is None:
            return None
        return f"[{self._format(self.low)} ; {self._format(self.high)}]"

    def _format(self, value: Any) -> str:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return _number(value)
        if self.unit == "seconds":
            return _duration(value)
        if self.unit == "share":
            return f"{number_format(value * 100, 1)} %"
        return _number(value)


def _duration(seconds: float) -> str:
    """A readable duration: 45 s, 12 min, 3.5 h, 2.1 d."""
    for limit, unit, size in ((60, "s", 1), (3600, "min", 60), (86400 * 2, "h", 3600)):
        if abs(seconds) < limit:
            return f"{number_format(seconds / size, 0 if size == 1 else 1)} {unit}"
    days = pgettext_lazy("abbreviation of days", "d")
    return f"{number_format(seconds / 86400, 1)} {days}"


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return number_format(value, 0 if isinstance(value, int) or abs(value) >= 1000 else 2, force_grouping=True)


def unit_of(key: str) -> str:
    if "seconds" in key:
        return "seconds"
    return "share" if key.endswith(("_rate", "_share")) else ""


def figure(raw: Any, stat: str | None = None, *, unit: str = "") -> Figure:
    """A cell from a report value: a number, or ``{"value"|"mean"|"rate"|<stat>, "n", "ci"}``."""
    if not isinstance(raw, dict):
        return Figure(raw, unit=unit)
    if stat is not None:
        return Figure(raw.get(stat), raw.get("n"), *_bounds(raw.get(f"{stat}_ci")), unit=unit)
    value = next((raw[k] for k in ("value", "mean", "rate", "median") if k in raw), None)
    return Figure(value, raw.get("n"), *_bounds(raw.get("ci")), unit=unit)


def _bounds(ci: Any) -> tuple[Any, Any]:
    return (ci[0], ci[1]) if isinstance(ci, list | tuple) and len(ci) == 2 else (None, None)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: list[Figure]


def _label(key: str) -> str:
    return METRIC_LABELS.get(key, key.replace("_", " "))


def replay_rows(report: dict) -> list[Row]:
    replay = report.get("replay") or {}
    keys = list(dict.fromkeys(k for mode in POLICIES for k in (replay.get(mode) or {})))
    return [Row(k, _label(k), [figure((replay.get(m) or {}).get(k), unit=unit_of(k)) for m in POLICIES]) for k in keys]


def profile_rows(report: dict) -> list[Row]:
    return [Row(k, _label(k), [figure(v, unit=unit_of(k))]) for k, v in (report.get("profile") or {}).items()]


@dataclass(frozen=True)
class ObservedTable:
    columns: list[str]
    rows: list[Row]


def _observed_keys(groups: list[dict]) -> list[tuple[str, str, str | None]]:
    """(row key, label, statistic) for each figure; durations give a median and a p90 row."""
    keys: list[tuple[str, str, str | None]] = []
    for name in dict.fromkeys(k for g in groups for k in g if isinstance(g[k], dict)):
        sample = next(g[name] for g in groups if isinstance(g.get(name), dict))
        if "median" in sample and "p90" in sample:
            median = _("median")
            keys.append((f"{name}_median", f"{_label(name)} · {median}", "median"))
            keys.append((f"{name}_p90", f"{_label(name)} · p90", "p90"))
        else:
            keys.append((name, _label(name), None))
    return keys


def _table(columns: list[str], groups: list[dict]) -> ObservedTable:
    keys = _observed_keys(groups)
    rows = [
        Row(
            key,
            label,
            [figure(g.get(key.rsplit("_", 1)[0] if stat else key), stat, unit=unit_of(key)) for g in groups],
        )
        for key, label, stat in keys
    ]
    return ObservedTable(columns, rows)


def observed_rows(report: dict) -> ObservedTable:
    observed = report.get("observed") or {}
    return _table([str(MODE_LABELS.get(m, m)) for m in observed], [observed[m] or {} for m in observed])


def experiment_rows(report: dict) -> ObservedTable | None:
    """Holdout and treatment cohorts side by side, then treatment minus holdout with its interval."""
    experiment = report.get("experiment")
    if not experiment or "cohorts" not in experiment:
        return None
    cohorts = experiment["cohorts"]
    names = [n for n in ("holdout", "treatment") if n in cohorts]
    columns = [f"{COHORT_LABELS[n]} ({MODE_LABELS.get(cohorts[n].get('mode'), cohorts[n].get('mode'))})" for n in names]
    table = _table(columns, [cohorts[n] for n in names])
    difference = experiment.get("difference") or {}
    rows = [Row(r.key, r.label, [*r.cells, figure(difference.get(r.key), unit=unit_of(r.key))]) for r in table.rows]
    return ObservedTable([*columns, str(_("Difference (treatment - holdout)"))], rows)
