"""Experiment planning: the textbook sample sizes, from the tenant's own variance and volume,
and the peeking warning."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from insights.metrics import plan
from tests.insights.metrics.logs import contact, event, inbound


def test_sample_size_of_a_mean_is_the_textbook_one():
    # two-sample z test, sd 1, difference 0.5: 2 * (1.95996 + 0.84162)^2 / 0.25 = 62.79 -> 63
    assert plan.n_mean(1.0, 0.5) == 63
    # Cohen's d = 0.2: 392.4 -> 393 per group
    assert plan.n_mean(10.0, 2.0) == 393


def test_sample_size_of_a_rate_is_the_textbook_one():
    # 50% -> 60%: (1.95996 + 0.84162)^2 * (0.25 + 0.24) / 0.01 = 384.6 -> 385 per group
    assert plan.n_rate(0.5, 0.1) == 385
    # 10% -> 15%: 7.849 * (0.09 + 0.1275) / 0.0025 = 682.9 -> 683
    assert plan.n_rate(0.10, 0.05) == 683


@pytest.mark.django_db
def test_the_plan_uses_the_tenants_variance_and_volume(tenant, channels, manager_api):
    now = timezone.now()
    # 28 days, 40 contacts, one episode each, messages per episode 1 or 3 (sd ~ 1.01)
    for i in range(40):
        c = contact(tenant, email=f"c{i}@example.com")
        when = now - timedelta(days=27, hours=-i * 12)
        for k in range(1 if i % 2 else 3):
            inbound(tenant, c, channels["email"], when + timedelta(minutes=k))
        if i % 4 == 0:
            event(tenant, c, "purchase", when, amount=20)
    response = manager_api.get("/api/v1/comparison/plan/", {"metric": "customer_messages_per_episode", "mde": 0.5})
    assert response.status_code == 200, response.content
    body = response.json()
    sd = body["sd"]
    assert body["baseline"] == 2.0 and abs(sd - 1.0127) < 1e-3
    assert body["units_per_group"] == plan.n_mean(sd, 0.5) == 65
    assert body["units_needed"] == 130 and body["contacts_needed"] == 130
    assert body["units_per_week"] == 10.0 and body["weeks_needed"] == 13
    rate = manager_api.get("/api/v1/comparison/plan/", {"metric": "purchase_rate", "mde": 0.1}).json()
    assert rate["baseline"] == 0.25 and rate["units_per_group"] == plan.n_rate(0.25, 0.1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, field",
    [
        ({"metric": "nope", "mde": 1}, "metric"),
        ({"metric": "csat", "mde": -1}, "mde"),
        ({"metric": "csat"}, "mde"),
        ({"metric": "purchase_rate", "mde": 2}, "mde"),
    ],
)
def test_a_bad_plan_query_is_a_400_naming_the_field(tenant, manager_api, query, field):
    response = manager_api.get("/api/v1/comparison/plan/", query)
    assert response.status_code == 400 and field in response.json()["errors"]


def test_a_cohort_read_before_it_has_its_sample_is_flagged():
    from insights.metrics.observed import Samples
    from insights.metrics.sales import SalesGroups

    class G:
        by_cohort = {"holdout": Samples(messages=[1, 2, 3] * 5), "treatment": Samples(messages=[1, 2, 3] * 5)}

    warnings = plan.peeking_warnings(G, SalesGroups({}, {}, "EUR", 0))
    [w] = [w for w in warnings if w["metric"] == "customer_messages_per_episode"]
    assert (w["holdout"], w["treatment"]) == (15, 15) and w["needed_per_cohort"] == plan.n_mean(
        float(np.std([1, 2, 3] * 10, ddof=1)), 0.2
    )
    big = Samples(messages=[1, 2, 3] * 200)
    G.by_cohort = {"holdout": big, "treatment": big}
    assert not [
        w
        for w in plan.peeking_warnings(G, SalesGroups({}, {}, "EUR", 0))
        if w["metric"] == "customer_messages_per_episode"
    ]
