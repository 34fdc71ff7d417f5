"""Sales and loyalty outcomes (metrics.md, "Sales"): from events named ``purchase`` with an
``amount``, per effective mode and experiment cohort.

The unit is the contact active in the period (a message or an event of its own in it),
attributed to its effective mode at its first activity in the period:

- ``purchase_rate``: contacts with a purchase / active contacts (Wilson);
- ``revenue_per_contact``: mean revenue of active contacts, 0 for those who bought nothing;
- ``average_order_value``: mean amount of their purchases;
- ``repeat_purchase_rate``: buyers with two purchases or more / buyers (Wilson).

Amounts are in the tenant's currency (``imports.SalesSetting``, default EUR); a purchase in
another currency is converted at the rate the setting states, and one without a rate is left
out and counted in ``unconverted``. A purchase without a currency is in the tenant's.

Revenue is heavy-tailed (a few large orders), where the percentile bootstrap of a mean covers
too little at small samples: the means here take a BCa interval (bias-corrected and
accelerated, Efron 1987), 1,000 resamples, fixed seed, the acceleration from the jackknife,
which for a mean is exact in one pass. ``bench/calibration.py`` measures the coverage.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from statistics import NormalDist

import numpy as np
from django.db.models import Min

from crm.models import Event, Message, Tenant
from imports.models import SalesSetting

from . import stats
from .modes import ModeTimeline

PURCHASE_EVENT = "purchase"
DEFAULT_CURRENCY = "EUR"
FETCH_SIZE = 2000
_NORMAL = NormalDist()


@dataclass
class SalesSamples:
    revenue: list[float] = field(default_factory=list)  # per active contact
    orders: list[float] = field(default_factory=list)  # per purchase
    buyers: int = 0
    repeat_buyers: int = 0

    @property
    def contacts(self) -> int:
        return len(self.revenue)


@dataclass(frozen=True)
class Currency:
    code: str
    rates: dict

    def convert(self, amount: float, currency: str | None) -> float | None:
        if not currency or currency.upper() == self.code:
            return amount
        rate = self.rates.get(currency.upper())
        return None if rate is None else amount * float(rate)


def tenant_currency(tenant: Tenant) -> Currency:
    setting = SalesSetting.objects.filter(tenant=tenant).first()
    if setting is None:
        return Currency(DEFAULT_CURRENCY, {})
    return Currency(setting.currency.upper(), {k.upper(): v for k, v in (setting.rates or {}).items()})


def _first_activity(tenant: Tenant, start: datetime, end: datetime) -> dict[int, datetime]:
    first: dict[int, datetime] = {}
    for model in (Message, Event):
        rows = (
            model.objects.filter(tenant=tenant, occurred_at__gte=start, occurred_at__lt=end)
            .values("contact_id")
            .annotate(first=Min("occurred_at"))
            .order_by()
        )
        for row in rows.iterator(chunk_size=FETCH_SIZE):
            cid, when = row["contact_id"], row["first"]
            if cid not in first or when < first[cid]:
                first[cid] = when
    return first


def _amount(properties) -> tuple[float, str | None] | None:
    if not isinstance(properties, dict):
        return None
    amount = properties.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float | str):
        return None
    try:
        value = float(amount)
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    currency = properties.get("currency")
    return value, currency if isinstance(currency, str) else None


@dataclass
class SalesGroups:
    by_mode: dict[str, SalesSamples]
    by_cohort: dict[str, SalesSamples]
    currency: str
    unconverted: int


def sales_collect(
    *, tenant: Tenant, start: datetime, end: datetime, timeline: ModeTimeline | None = None
) -> SalesGroups:
    timeline = timeline or ModeTimeline(tenant)
    currency = tenant_currency(tenant)
    first = _first_activity(tenant, start, end)
    purchases: dict[int, list[float]] = defaultdict(list)
    unconverted = 0
    rows = Event.objects.filter(tenant=tenant, name=PURCHASE_EVENT, occurred_at__gte=start, occurred_at__lt=end)
    for cid, properties in rows.values_list("contact_id", "properties").iterator(chunk_size=FETCH_SIZE):
        parsed = _amount(properties)
        if parsed is None:
            continue
        value = currency.convert(*parsed)
        if value is None:
            unconverted += 1
            continue
        purchases[cid].append(value)
    by_mode: dict[str, SalesSamples] = defaultdict(SalesSamples)
    by_cohort: dict[str, SalesSamples] = defaultdict(SalesSamples)
    for cid in sorted(first):
        mode, cohort = timeline.at(cid, first[cid])
        orders = purchases.get(cid, [])
        for samples in [by_mode[mode]] + ([by_cohort[cohort]] if cohort else []):
            samples.revenue.append(sum(orders))
            samples.orders.extend(orders)
            samples.buyers += bool(orders)
            samples.repeat_buyers += len(orders) >= 2
    return SalesGroups(by_mode, by_cohort, currency.code, unconverted)


# -- intervals --------------------------------------------------------------------------------
def bca_mean(values, *, seed: int = stats.SEED) -> list[float] | None:
    """95% BCa bootstrap interval of the mean; percentile when the sample is constant."""
    arr = np.asarray(values, dtype=float)
    n = len(arr)
    if n == 0:
        return None
    dist = stats.bootstrap_distribution(arr, "mean", seed=seed)
    mean = arr.mean()
    below = np.mean(dist < mean)
    if n < 3 or below in (0.0, 1.0) or np.all(arr == arr[0]):
        return [stats._round(np.percentile(dist, 2.5)), stats._round(np.percentile(dist, 97.5))]
    z0 = _NORMAL.inv_cdf(below)
    jack = (arr.sum() - arr) / (n - 1)  # the mean without each value
    d = jack.mean() - jack
    denom = 6 * (d**2).sum() ** 1.5
    accel = (d**3).sum() / denom if denom else 0.0
    quantiles = []
    for alpha in (0.025, 0.975):
        z = _NORMAL.inv_cdf(alpha)
        quantiles.append(100 * _NORMAL.cdf(z0 + (z0 + z) / (1 - accel * (z0 + z))))
    return [stats._round(np.percentile(dist, quantiles[0])), stats._round(np.percentile(dist, quantiles[1]))]


def _mean(values: list[float], currency: str) -> dict:
    value = stats._round(float(np.mean(values))) if values else None
    return {"n": len(values), "mean": value, "ci": bca_mean(values), "currency": currency}


def _rate(successes: int, n: int) -> dict:
    s = stats.rate_summary(successes, n)
    return {"n": n, "count": successes, "rate": s["value"], "ci": s["ci"]}


def sales_summary(samples: SalesSamples, currency: str) -> dict:
    return {
        "purchase_rate": _rate(samples.buyers, samples.contacts),
        "revenue_per_contact": _mean(samples.revenue, currency),
        "average_order_value": _mean(samples.orders, currency),
        "repeat_purchase_rate": _rate(samples.repeat_buyers, samples.buyers),
    }


def sales_difference(holdout: SalesSamples, treatment: SalesSamples) -> dict:
    """Treatment minus holdout: rates with Newcombe's interval, means with independent
    bootstraps (seeds 20260301 and 20260302, percentile interval of the difference)."""
    return {
        "purchase_rate": stats.rate_difference(holdout.buyers, holdout.contacts, treatment.buyers, treatment.contacts),
        "revenue_per_contact": stats.difference(holdout.revenue, treatment.revenue, "mean"),
        "average_order_value": stats.difference(holdout.orders, treatment.orders, "mean"),
        "repeat_purchase_rate": stats.rate_difference(
            holdout.repeat_buyers, holdout.buyers, treatment.repeat_buyers, treatment.buyers
        ),
    }


def sales_extend(report: dict, groups: SalesGroups) -> None:
    """Add the sales figures to the report's observed modes and experiment cohorts (additive)."""
    for mode, figures in report.get("observed", {}).items():
        figures.update(sales_summary(groups.by_mode.get(mode, SalesSamples()), groups.currency))
    experiment = report.get("experiment")
    if experiment and "cohorts" in experiment:
        holdout = groups.by_cohort.get("holdout", SalesSamples())
        treatment = groups.by_cohort.get("treatment", SalesSamples())
        experiment["cohorts"]["holdout"].update(sales_summary(holdout, groups.currency))
        experiment["cohorts"]["treatment"].update(sales_summary(treatment, groups.currency))
        experiment["difference"].update(sales_difference(holdout, treatment))
    if groups.unconverted:
        report["sales_unconverted_purchases"] = groups.unconverted
