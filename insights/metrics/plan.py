"""Experiment planning (metrics.md, "Planning an experiment"): the sample an experiment needs
to detect a difference, from the tenant's own variance and volume, and the warning when a
running experiment is read before it has that sample.

Two-sample normal approximation, two-sided test at 5%, power 80%:

- a mean: ``n = (z_{0.975} + z_{0.80})^2 * 2 * sd^2 / mde^2`` units per group;
- a rate ``p``: ``n = (z_{0.975} + z_{0.80})^2 * (p(1-p) + q(1-q)) / mde^2`` with ``q = p + mde``
  (unpooled variances).

With a holdout share ``h`` the smaller group needs ``n``: ``n / min(h, 1 - h)`` units in all.
Units are episodes, tickets, ratings, enrolments or contacts as the metric's own unit; weeks
follow from the units the tenant had per week over the look-back (28 days by default).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import NormalDist

import numpy as np
from django.utils import timezone

from crm.models import Tenant

from . import observed
from .sales import sales_collect

ALPHA = 0.05
POWER = 0.80
LOOKBACK_DAYS = 28
Z_ALPHA = NormalDist().inv_cdf(1 - ALPHA / 2)
Z_POWER = NormalDist().inv_cdf(POWER)
#: the relative difference the peeking warning asks a cohort's sample to be able to detect
PEEKING_RELATIVE_MDE = 0.10

#: metric -> (kind, unit)
METRICS = {
    "first_response_seconds": ("mean", "episode"),
    "resolution_seconds": ("mean", "ticket"),
    "customer_messages_per_episode": ("mean", "episode"),
    "tickets_per_episode": ("mean", "episode"),
    "csat": ("mean", "rating"),
    "journey_conversion_rate": ("rate", "enrolment"),
    "opt_out_rate": ("rate", "contact"),
    "revenue_per_contact": ("mean", "contact"),
    "average_order_value": ("mean", "purchase"),
    "purchase_rate": ("rate", "contact"),
    "repeat_purchase_rate": ("rate", "buyer"),
}


def n_mean(sd: float, mde: float) -> int:
    """Units per group to detect a difference ``mde`` of two means with standard deviation ``sd``."""
    return math.ceil((Z_ALPHA + Z_POWER) ** 2 * 2 * sd**2 / mde**2)


def n_rate(p: float, mde: float) -> int:
    """Units per group to detect a change of a rate ``p`` to ``p + mde``."""
    q = min(max(p + mde, 0.0), 1.0)
    return math.ceil((Z_ALPHA + Z_POWER) ** 2 * (p * (1 - p) + q * (1 - q)) / mde**2)


@dataclass(frozen=True)
class Sample:
    """The pooled sample of one metric: per-unit values (means) or counts (rates)."""

    values: list[float] | None = None
    successes: int = 0
    n: int = 0

    @property
    def size(self) -> int:
        return len(self.values) if self.values is not None else self.n


def metric_samples(groups: observed.Groups, sales, metric: str, which: str = "by_mode") -> dict[str, Sample]:
    """The samples of ``metric`` per group (mode or cohort) of the collected figures."""
    out: dict[str, Sample] = {}
    obs = getattr(groups, which)
    sal = getattr(sales, which)
    for name in set(obs) | set(sal):
        s, t = obs.get(name) or observed.Samples(), sal.get(name)
        out[name] = _sample(s, t, metric)
    return out


def _sample(s: observed.Samples, t, metric: str) -> Sample:
    match metric:
        case "first_response_seconds":
            return Sample(values=s.first_response)
        case "resolution_seconds":
            return Sample(values=s.resolution)
        case "customer_messages_per_episode":
            return Sample(values=s.messages)
        case "tickets_per_episode":
            return Sample(values=s.tickets)
        case "csat":
            return Sample(values=s.csat)
        case "journey_conversion_rate":
            return Sample(successes=sum(c for _, c in s.enrolled.values()), n=sum(n for n, _ in s.enrolled.values()))
        case "opt_out_rate":
            return Sample(successes=len(s.opted_out), n=len(s.messaged))
    if t is None:
        return Sample(values=[]) if METRICS[metric][0] == "mean" else Sample()
    match metric:
        case "revenue_per_contact":
            return Sample(values=t.revenue)
        case "average_order_value":
            return Sample(values=t.orders)
        case "purchase_rate":
            return Sample(successes=t.buyers, n=t.contacts)
        case _:  # repeat_purchase_rate
            return Sample(successes=t.repeat_buyers, n=t.buyers)


def _pooled(samples: dict[str, Sample], kind: str) -> Sample:
    if kind == "mean":
        return Sample(values=[v for s in samples.values() for v in (s.values or [])])
    return Sample(successes=sum(s.successes for s in samples.values()), n=sum(s.n for s in samples.values()))


def _needed(sample: Sample, kind: str, mde: float) -> tuple[int | None, float | None, float | None]:
    """(units per group, baseline, standard deviation) or Nones without data."""
    if kind == "mean":
        if not sample.values or len(sample.values) < 2:
            return None, None, None
        arr = np.asarray(sample.values, dtype=float)
        sd = float(arr.std(ddof=1))
        return (n_mean(sd, mde) if sd > 0 else 1), float(arr.mean()), sd
    if sample.n == 0:
        return None, None, None
    p = sample.successes / sample.n
    return n_rate(p, mde), p, math.sqrt(p * (1 - p))


def experiment_plan(*, tenant: Tenant, metric: str, mde: float, now: datetime | None = None) -> dict:
    """What an experiment on ``metric`` needs to detect ``mde`` (absolute, in the metric's unit)."""
    kind, unit = METRICS[metric]
    end = now or timezone.now()
    start = end - timedelta(days=LOOKBACK_DAYS)
    groups = observed.collect(tenant=tenant, start=start, end=end)
    sales = sales_collect(tenant=tenant, start=start, end=end, timeline=groups.timeline)
    pooled = _pooled(metric_samples(groups, sales, metric), kind)
    per_group, baseline, sd = _needed(pooled, kind, mde)
    holdout = tenant.experiment_holdout_percent or 50
    share = min(holdout, 100 - holdout) / 100 if 0 < holdout < 100 else 0.5
    contacts = sum(s.contacts for s in sales.by_mode.values())
    units = pooled.size
    total = None if per_group is None else math.ceil(per_group / share)
    units_per_week = units / (LOOKBACK_DAYS / 7)
    per_contact = units / contacts if contacts else None
    return {
        "metric": metric,
        "mde": mde,
        "alpha": ALPHA,
        "power": POWER,
        "kind": kind,
        "unit": unit,
        "baseline": None if baseline is None else round(baseline, 4),
        "sd": None if sd is None else round(sd, 4),
        "holdout_percent": holdout,
        "units_per_group": per_group,
        "units_needed": total,
        "contacts_needed": None if total is None or not per_contact else math.ceil(total / per_contact),
        "units_per_week": round(units_per_week, 2),
        "weeks_needed": None if total is None or not units_per_week else math.ceil(total / units_per_week),
        "lookback": {"start": start.isoformat(), "end": end.isoformat(), "units": units, "contacts": contacts},
        "method": "two-sample normal approximation, two-sided 5%, power 80%",
    }


def peeking_warnings(groups: observed.Groups, sales) -> list[dict]:
    """For each metric with data in both cohorts, whether the cohorts already have the sample
    needed to detect a 10% relative difference (from the cohorts' own pooled variance); a
    figure read before that is a peek: its interval is wide and stopping on it inflates the
    false positive rate."""
    out = []
    for metric, (kind, unit) in METRICS.items():
        samples = metric_samples(groups, sales, metric, "by_cohort")
        holdout, treatment = samples.get("holdout"), samples.get("treatment")
        if holdout is None or treatment is None or holdout.size == 0 or treatment.size == 0:
            continue
        pooled = _pooled({"h": holdout, "t": treatment}, kind)
        baseline = _needed(pooled, kind, 1.0)[1]
        if not baseline:
            continue
        mde = abs(baseline) * PEEKING_RELATIVE_MDE
        needed = _needed(pooled, kind, mde)[0]
        smaller = min(holdout.size, treatment.size)
        if needed is not None and smaller < needed:
            out.append(
                {
                    "metric": metric,
                    "unit": unit,
                    "mde": round(mde, 4),
                    "needed_per_cohort": needed,
                    "holdout": holdout.size,
                    "treatment": treatment.size,
                }
            )
    return out
