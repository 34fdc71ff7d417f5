"""Replay and the observed metrics segment episodes with one rule (``episode_sql``): on the same
generated traffic both count the episodes a direct reading of metrics.md gives, and replay's
per-channel threads and switches follow the same rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from insights.metrics.observed import collect
from insights.metrics.replay import replay_metrics
from tests.factories import ChannelFactory, TenantFactory

from .logs import T0, contact, inbound, outbound

pytestmark = pytest.mark.django_db

GAP_HOURS = 2
GAP = GAP_HOURS * 3600
KINDS = ("email", "sms", "whatsapp")
START, END = T0 - timedelta(days=1), T0 + timedelta(days=30)

#: one message: (contact, seconds since that contact's previous message, channel, inbound conversation?)
message = st.tuples(
    st.integers(0, 2),
    st.sampled_from([0, 1, 600, GAP - 1, GAP, GAP + 1, 3 * GAP]),
    st.sampled_from(KINDS),
    st.sampled_from([True, True, False]),
)
traffic = st.lists(message, min_size=1, max_size=12)


def _expected(steps: list) -> dict:
    """Episodes, per-channel threads and switches, read off metrics.md's rule."""
    clock, last, last_on_channel, counts = {}, {}, {}, {"episodes": 0, "threads": 0, "switches": 0}
    for who, delta, kind, is_inbound in steps:
        clock[who] = clock.get(who, 0) + delta
        if not is_inbound:
            continue
        t = clock[who]
        previous = last.get(who)
        new_episode = previous is None or t - previous[0] > GAP
        counts["episodes"] += new_episode
        counts["switches"] += not new_episode and previous[1] != kind
        before = last_on_channel.get((who, kind))
        counts["threads"] += before is None or t - before > GAP
        last[who], last_on_channel[(who, kind)] = (t, kind), t
    return counts


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=traffic)
@example(steps=[(0, 0, "email", True), (0, GAP, "sms", True)])  # exactly the gap: one episode, a switch
@example(steps=[(0, 0, "email", True), (0, GAP + 1, "email", True)])  # one second more: two
def test_replay_and_observed_count_the_same_episodes(steps):
    tenant = TenantFactory(mode="multichannel", episode_gap_hours=GAP_HOURS)
    channels = {kind: ChannelFactory(tenant=tenant, kind=kind) for kind in KINDS}
    contacts, clock = [contact(tenant) for _ in range(3)], {}
    for who, delta, kind, is_inbound in steps:
        clock[who] = clock.get(who, 0) + delta
        when = T0 + timedelta(seconds=clock[who])
        if is_inbound:
            inbound(tenant, contacts[who], channels[kind], when)
        else:  # agent replies and marketing sends never start or split an episode
            outbound(tenant, contacts[who], channels[kind], when, purpose="marketing" if delta % 2 else "conversation")
    expected = _expected(steps)

    replay = replay_metrics(tenant=tenant, start=START, end=END)["multichannel"]
    groups = collect(tenant=tenant, start=START, end=END)
    observed = [n for samples in groups.by_mode.values() for n in samples.messages]

    assert replay["episodes"] == len(observed) == expected["episodes"]
    assert sum(observed) == sum(1 for step in steps if step[3])
    assert (replay["threads"], replay["channel_switches"]) == (expected["threads"], expected["switches"])
