"""Before and after a switch: confounded without a holdout, difference-in-differences with one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.models import ModeChange
from crm.policies import experiment_cohort
from crm.services.tenants import tenant_update
from insights.metrics.before_after import did
from insights.metrics.comparison import comparison_report
from tests.insights.metrics.logs import T0, contact, inbound

pytestmark = pytest.mark.django_db
SWITCH = T0 + timedelta(days=10)


def episodes(tenant, channel, c, day: float, messages: int):
    for k in range(messages):
        inbound(tenant, c, channel, T0 + timedelta(days=day, minutes=k))


def test_a_switch_without_a_holdout_is_confounded(tenant, channels):
    ModeChange.objects.create(tenant=tenant, mode="multichannel", changed_at=T0 - timedelta(days=30), changed_by="t")
    tenant.mode = "multichannel"
    tenant.save()
    tenant_update(tenant=tenant, changes={"mode": "omnichannel"}, by="test", at=SWITCH)
    episodes(tenant, channels["email"], contact(tenant), 1, 2)
    report = comparison_report(tenant=tenant, start=T0, end=T0 + timedelta(days=20))
    block = report["before_after"]
    assert (block["from"], block["to"], block["confounded"]) == ("multichannel", "omnichannel", True)
    assert "seasonality" in block["warning"] and "difference_in_differences" not in block


def test_difference_in_differences_recovers_a_known_effect(tenant, channels):
    """Every contact's messages per episode rise by 1 after the switch (a trend); the treatment
    cohort's fall by 2 more (the effect): DiD = -2 whatever the trend."""
    ModeChange.objects.create(tenant=tenant, mode="multichannel", changed_at=T0 - timedelta(days=30), changed_by="t")
    tenant.mode = "multichannel"
    tenant.save()
    tenant_update(tenant=tenant, changes={"experiment": {"holdout_percent": 50}}, by="test", at=SWITCH)
    tenant.refresh_from_db()
    means = {("before", "holdout"): 3, ("before", "treatment"): 3, ("after", "holdout"): 4, ("after", "treatment"): 2}
    cohorts = set()
    for _i in range(40):
        c = contact(tenant)
        cohort = experiment_cohort(tenant, c.pk)
        cohorts.add(cohort)
        for phase, days in (("before", (1, 5)), ("after", (12, 16))):
            m = means[(phase, cohort)]
            episodes(tenant, channels["email"], c, days[0], m - 1)
            episodes(tenant, channels["email"], c, days[1], m + 1)
    assert cohorts == {"holdout", "treatment"}
    report = comparison_report(tenant=tenant, start=T0, end=T0 + timedelta(days=20))
    block = report["before_after"]
    assert block["confounded"] is False and block["holdout_percent"] == 50
    estimate = block["difference_in_differences"]["customer_messages_per_episode"]
    assert estimate["value"] == -2.0
    low, high = estimate["ci"]
    assert low < -2.0 < high and high < 0
    assert sum(estimate["n"]) == 160


def test_did_of_four_samples():
    assert did([1, 3], [1, 3], [2, 4], [0, 2])["value"] == -2.0
    assert did([], [1], [1], [1])["value"] is None
