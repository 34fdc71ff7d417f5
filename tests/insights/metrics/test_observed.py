"""Observed metrics split by effective mode, periods and experiment cohorts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.models import ModeChange
from crm.policies import experiment_cohort
from insights.metrics.observed import observed_metrics
from journeys.models import Enrollment, Journey

from .logs import T0, at, contact, event, inbound, outbound, ticket

pytestmark = pytest.mark.django_db
START, END = T0 - timedelta(days=1), T0 + timedelta(days=30)


def _switch(tenant, mode, when, experiment=None):
    ModeChange.objects.create(tenant=tenant, mode=mode, experiment=experiment, changed_at=when, changed_by="test")


def test_figures_are_split_at_the_recorded_mode_change(tenant, channels):
    _switch(tenant, "multichannel", T0 - timedelta(days=10))
    _switch(tenant, "omnichannel", T0 + timedelta(days=5))
    a, b = contact(tenant), contact(tenant)
    t = ticket(tenant, a, channels["email"], at(0), mode="multichannel", resolved_at=at(2), status="resolved")
    inbound(tenant, a, channels["email"], at(0), t)
    inbound(tenant, a, channels["email"], at(0.5), t)
    outbound(tenant, a, channels["email"], at(1), t)
    event(tenant, a, "csat.rating", at(3), channels["email"], rating=4)
    event(tenant, a, "consent.opted_out", at(4), channels["email"])
    inbound(tenant, b, channels["sms"], at(24 * 6))
    outbound(tenant, b, channels["sms"], at(24 * 6 + 0.5))
    event(tenant, b, "csat.rating", at(24 * 6 + 1), channels["sms"], rating=5)
    event(tenant, b, "csat.rating", at(24 * 6 + 1), channels["sms"], rating="great")  # not a rating
    journey = Journey.objects.create(tenant=tenant, name="welcome", trigger_event="signup", goal_event="purchase")
    Enrollment.objects.create(
        tenant=tenant, journey=journey, contact=b, mode="omnichannel", enrolled_at=at(24 * 6), converted_at=at(24 * 7)
    )
    observed, experiment = observed_metrics(tenant=tenant, start=START, end=END)
    assert experiment is None
    multi, omni = observed["multichannel"], observed["omnichannel"]
    assert multi["first_response_seconds"]["median"] == 3600.0 and multi["first_response_seconds"]["n"] == 1
    assert omni["first_response_seconds"]["median"] == 1800.0
    assert multi["customer_messages_per_episode"] == {"n": 1, "mean": 2.0, "ci": [2.0, 2.0]}
    assert multi["tickets_per_episode"]["mean"] == 1.0
    assert multi["resolution_seconds"]["median"] == 7200.0
    assert (multi["csat"]["mean"], multi["csat"]["n"], omni["csat"]["mean"], omni["csat"]["n"]) == (4.0, 1, 5.0, 1)
    assert multi["opt_out_rate"]["rate"] == 1.0 and omni["opt_out_rate"]["rate"] == 0.0
    assert omni["journey_conversion_rate"]["rate"] == 1.0
    assert omni["journey_conversion_rate"]["journeys"]["welcome"]["n"] == 1
    assert multi["journey_conversion_rate"]["rate"] is None
    assert set(observed) == {"multichannel", "omnichannel"}


def test_an_unanswered_episode_is_counted_but_has_no_response_time(tenant, channels):
    _switch(tenant, "omnichannel", T0 - timedelta(days=10))
    c = contact(tenant)
    inbound(tenant, c, channels["email"], at(0))
    inbound(tenant, c, channels["email"], at(100))  # a new episode, answered
    outbound(tenant, c, channels["email"], at(101))
    frt = observed_metrics(tenant=tenant, start=START, end=END)[0]["omnichannel"]["first_response_seconds"]
    assert (frt["n"], frt["unanswered"], frt["median"]) == (1, 1, 3600.0)


def test_an_experiment_shows_both_cohorts_and_their_difference(tenant, channels):
    _switch(tenant, "omnichannel", T0 - timedelta(days=10), {"holdout_percent": 50})
    tenant.experiment_holdout_percent = 50
    tenant.save()
    cohorts = {"holdout": 0, "treatment": 0}
    for i in range(40):
        c = contact(tenant)
        cohorts[experiment_cohort(tenant, c.pk)] += 1
        inbound(tenant, c, channels["email"], at(i))
        outbound(tenant, c, channels["email"], at(i + 1))
    observed, experiment = observed_metrics(tenant=tenant, start=START, end=END)
    assert experiment["holdout_percent"] == 50
    assert experiment["cohorts"]["holdout"]["mode"] == "multichannel"
    assert experiment["cohorts"]["treatment"]["mode"] == "omnichannel"
    assert experiment["cohorts"]["holdout"]["customer_messages_per_episode"]["n"] == cohorts["holdout"]
    assert observed["omnichannel"]["customer_messages_per_episode"]["n"] == cohorts["treatment"]
    diff = experiment["difference"]["first_response_seconds_median"]
    assert diff["value"] == 0.0 and diff["ci"] == [0.0, 0.0]
