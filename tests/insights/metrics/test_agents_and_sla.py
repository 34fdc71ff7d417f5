"""Agent changes per episode (replay and observed) and SLA attainment (observed)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.models import ModeChange, SlaPolicy, TicketSla
from insights.metrics.observed import observed_metrics
from insights.metrics.replay import replay_metrics

from .logs import T0, at, contact, inbound, outbound, ticket

pytestmark = pytest.mark.django_db
START, END = T0 - timedelta(days=1), T0 + timedelta(days=30)


@pytest.fixture(autouse=True)
def _omnichannel(tenant):
    ModeChange.objects.create(tenant=tenant, mode="omnichannel", changed_at=T0 - timedelta(days=10), changed_by="t")


def test_replay_changes_agent_at_each_switch_unless_one_ticket_threads_every_channel(tenant, channels):
    c = contact(tenant)
    for hours, kind in [(0, "email"), (1, "sms"), (2, "sms"), (3, "email")]:  # two switches, one episode
        inbound(tenant, c, channels[kind], at(hours))
    inbound(tenant, contact(tenant), channels["sms"], at(5))  # an episode on one channel
    replay = replay_metrics(tenant=tenant, start=START, end=END)
    assert [replay[m]["agent_changes"] for m in ("multichannel", "crosschannel", "omnichannel")] == [2, 2, 0]
    assert replay["multichannel"]["agent_changes_per_episode"] == 1.0
    assert replay["omnichannel"]["agent_changes_per_episode"] == 0.0


def test_observed_agent_changes_count_who_answered_in_each_episode(tenant, channels):
    a, b = contact(tenant), contact(tenant)
    inbound(tenant, a, channels["email"], at(0))
    outbound(tenant, a, channels["email"], at(1), author="staff:ann")
    outbound(tenant, a, channels["email"], at(2), author="staff:bob")  # a change
    outbound(tenant, a, channels["email"], at(3), author="staff:bob")
    outbound(tenant, a, channels["email"], at(3.5), purpose="marketing")  # not a reply
    inbound(tenant, a, channels["email"], at(24 * 5))  # a new episode (gap of 72 h exceeded)
    outbound(tenant, a, channels["email"], at(24 * 5 + 1), author="staff:ann")  # first of its episode: no change
    inbound(tenant, b, channels["sms"], at(10))  # unanswered: no change
    figure = observed_metrics(tenant=tenant, start=START, end=END)[0]["omnichannel"]["agent_changes_per_episode"]
    assert figure["n"] == 3 and figure["mean"] == round(1 / 3, 4)
    assert figure["ci"][0] <= figure["mean"] <= figure["ci"][1]


def test_sla_attainment_is_the_share_of_decided_tickets_met_in_time(tenant, channels):
    policy = SlaPolicy.objects.create(tenant=tenant, name="p", first_response_minutes=60)
    outcomes = [
        (at(0.5), []),  # answered in time: attained
        (at(2), ["first_response"]),  # answered late: breached
        (None, []),  # never answered, long overdue: breached
    ]
    for i, (answered, breached) in enumerate(outcomes):
        t = ticket(
            tenant, contact(tenant), channels["email"], at(i * 0), mode="omnichannel", first_response_at=answered
        )
        TicketSla.objects.create(tenant=tenant, ticket=t, policy=policy, first_response_due=at(1), breached=breached)
    ticket(tenant, contact(tenant), channels["email"], at(0), mode="omnichannel")  # no due times: left out
    figure = observed_metrics(tenant=tenant, start=START, end=END)[0]["omnichannel"]["sla_attainment"]
    assert (figure["n"], figure["count"], figure["rate"]) == (3, 1, round(1 / 3, 4))
    low, high = figure["ci"]
    assert 0 < low < figure["rate"] < high < 1  # Wilson
