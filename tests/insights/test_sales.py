"""Sales and loyalty figures on a hand-computed log (purchases with amounts)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from imports.models import SalesSetting
from insights.metrics.comparison import comparison_report
from insights.metrics.sales import bca_mean
from tests.insights.metrics.logs import T0, at, contact, event, inbound

pytestmark = pytest.mark.django_db
START, END = T0 - timedelta(days=1), T0 + timedelta(days=30)


def log(tenant, channels):
    a, b, c, d = (contact(tenant, email=f"{n}@example.com") for n in "abcd")
    event(tenant, a, "purchase", at(1), amount=10)
    event(tenant, a, "purchase", at(50), amount=30, currency="EUR")
    event(tenant, b, "purchase", at(2), amount=50, currency="usd")
    inbound(tenant, c, channels["email"], at(3))
    event(tenant, d, "purchase", at(4), amount=99, currency="GBP")  # no rate: left out
    event(tenant, c, "purchase", at(5), amount="n/a")  # no amount: not a purchase figure
    event(tenant, a, "purchase", at(-48), amount=1000)  # before the period
    return a, b, c, d


def test_sales_figures_on_a_hand_computed_log(tenant, channels):
    SalesSetting.objects.create(tenant=tenant, currency="EUR", rates={"USD": 0.9})
    log(tenant, channels)
    report = comparison_report(tenant=tenant, start=START, end=END)
    figures = report["observed"]["omnichannel"]
    # active contacts a, b, c, d; buyers a (10 + 30) and b (50 USD = 45 EUR)
    assert {k: figures["purchase_rate"][k] for k in ("n", "count", "rate")} == {"n": 4, "count": 2, "rate": 0.5}
    assert figures["revenue_per_contact"]["mean"] == 21.25 and figures["revenue_per_contact"]["n"] == 4
    assert figures["revenue_per_contact"]["currency"] == "EUR"
    assert figures["average_order_value"]["mean"] == 28.3333 and figures["average_order_value"]["n"] == 3
    assert {k: figures["repeat_purchase_rate"][k] for k in ("n", "count", "rate")} == {"n": 2, "count": 1, "rate": 0.5}
    low, high = figures["revenue_per_contact"]["ci"]
    assert 0 <= low <= 21.25 <= high <= 45
    assert report["sales_unconverted_purchases"] == 1


def test_sales_figures_split_by_cohort_with_their_difference(tenant, channels):
    from crm.services.tenants import tenant_update

    tenant_update(tenant=tenant, changes={"experiment": {"holdout_percent": 50}}, by="test", at=T0 - timedelta(days=2))
    for i in range(30):
        c = contact(tenant, email=f"c{i}@example.com")
        event(tenant, c, "purchase", at(i), amount=10 + i)
    report = comparison_report(tenant=tenant, start=START, end=END)
    cohorts = report["experiment"]["cohorts"]
    assert cohorts["holdout"]["purchase_rate"]["n"] + cohorts["treatment"]["purchase_rate"]["n"] == 30
    assert cohorts["holdout"]["purchase_rate"]["rate"] == 1.0
    diff = report["experiment"]["difference"]
    expected = cohorts["treatment"]["revenue_per_contact"]["mean"] - cohorts["holdout"]["revenue_per_contact"]["mean"]
    assert diff["revenue_per_contact"]["value"] == pytest.approx(expected, abs=1e-3)
    assert diff["purchase_rate"]["value"] == 0.0


def test_the_bca_interval_leans_towards_the_long_tail():
    rng = np.random.default_rng(1)
    values = rng.lognormal(3, 1.5, size=200)
    low, high = bca_mean(values)
    mean = values.mean()
    assert low < mean < high and (high - mean) > (mean - low)
    assert bca_mean([5.0, 5.0, 5.0]) == [5.0, 5.0] and bca_mean([]) is None
