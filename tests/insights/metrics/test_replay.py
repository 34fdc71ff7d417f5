"""Replay metrics on hand-computed logs (metrics.md, "Replay metrics")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.services.contacts import contact_merge
from insights.metrics.replay import replay_metrics
from journeys.models import Enrollment, Journey, Offer, OfferRedemption, StepRun

from .logs import T0, at, contact, event, inbound, outbound, ticket

pytestmark = pytest.mark.django_db
START, END = T0 - timedelta(days=1), T0 + timedelta(days=30)


def replay(tenant, start=START, end=END):
    return replay_metrics(tenant=tenant, start=start, end=end)


def test_email_then_sms_is_one_episode_two_threads_and_a_loss_only_in_multichannel(tenant, channels):
    c = contact(tenant)
    inbound(tenant, c, channels["email"], at(0))
    inbound(tenant, c, channels["sms"], at(2))
    inbound(tenant, c, channels["sms"], at(3))
    r = replay(tenant)
    assert {m: r[m]["episodes"] for m in r} == {"multichannel": 1, "crosschannel": 1, "omnichannel": 1}
    assert {m: r[m]["threads"] for m in r} == {"multichannel": 2, "crosschannel": 2, "omnichannel": 1}
    assert r["multichannel"]["fragmentation"] == 2.0 and r["omnichannel"]["fragmentation"] == 1.0
    assert {m: r[m]["channel_switches"] for m in r} == {"multichannel": 1, "crosschannel": 1, "omnichannel": 1}
    assert {m: r[m]["context_losses"] for m in r} == {"multichannel": 1, "crosschannel": 0, "omnichannel": 0}
    assert r["multichannel"]["context_loss_rate"] == 1.0 and r["crosschannel"]["context_loss_rate"] == 0.0
    assert r["multichannel"]["repeat_contact_share"] == 1.0 and r["omnichannel"]["repeat_contact_share"] == 0.0


def test_a_gap_of_exactly_the_episode_gap_does_not_start_a_new_episode(tenant, channels):
    a, b = contact(tenant), contact(tenant)
    inbound(tenant, a, channels["email"], at(0))
    inbound(tenant, a, channels["email"], at(72))  # exactly EPISODE_GAP: same episode
    inbound(tenant, b, channels["email"], at(0))
    inbound(tenant, b, channels["sms"], at(72, seconds=1))  # exceeds it: new episode, no switch
    r = replay(tenant)["multichannel"]
    assert r["episodes"] == 3
    assert r["threads"] == 3
    assert r["channel_switches"] == 0


def test_the_episode_gap_is_the_tenant_setting(tenant, channels):
    tenant.episode_gap_hours = 1
    tenant.save()
    c = contact(tenant)
    inbound(tenant, c, channels["email"], at(0))
    inbound(tenant, c, channels["sms"], at(2))
    r = replay(tenant)["omnichannel"]
    assert (r["episodes"], r["threads"], r["channel_switches"]) == (2, 2, 0)


def test_a_single_message_and_an_empty_period(tenant, channels):
    assert replay(tenant)["multichannel"] == {
        "episodes": 0,
        "threads": 0,
        "fragmentation": None,
        "channel_switches": 0,
        "context_losses": 0,
        "context_loss_rate": None,
        "repeat_contact_share": None,
        "agent_changes": 0,
        "agent_changes_per_episode": None,
        "stale_channel_replies": 0,
        "post_goal_sends": 0,
        "capped_sends": 0,
        "offer_redemptions_refused": 0,
    }
    inbound(tenant, contact(tenant), channels["whatsapp"], at(0))
    for metrics in replay(tenant).values():
        assert (metrics["episodes"], metrics["threads"], metrics["fragmentation"]) == (1, 1, 1.0)
        assert metrics["context_loss_rate"] is None and metrics["repeat_contact_share"] == 0.0


def test_messages_outside_the_period_are_left_out(tenant, channels):
    c = contact(tenant)
    inbound(tenant, c, channels["email"], at(-1))  # before start
    inbound(tenant, c, channels["sms"], at(0))  # first in period: starts an episode, no switch
    inbound(tenant, c, channels["email"], at(10))  # exactly at end: excluded ([start, end))
    r = replay(tenant, start=at(-0.5), end=at(10))["multichannel"]
    assert (r["episodes"], r["threads"], r["channel_switches"]) == (1, 1, 0)


def test_a_merged_contact_is_replayed_as_one_customer(tenant, channels):
    by_email, by_phone = contact(tenant, email="a@example.com"), contact(tenant, phone="+33612345678")
    inbound(tenant, by_email, channels["email"], at(0))
    inbound(tenant, by_phone, channels["sms"], at(1))
    before = replay(tenant)["multichannel"]
    assert (before["episodes"], before["channel_switches"]) == (2, 0)
    contact_merge(tenant=tenant, contact=by_email, other=by_phone, by="test")
    after = replay(tenant)
    assert (after["multichannel"]["episodes"], after["multichannel"]["context_losses"]) == (1, 1)
    assert after["omnichannel"]["threads"] == 1


def test_replies_on_a_stale_channel(tenant, channels):
    c = contact(tenant)
    email_ticket = ticket(tenant, c, channels["email"], at(0))
    sms_ticket = ticket(tenant, c, channels["sms"], at(1))
    inbound(tenant, c, channels["email"], at(0), email_ticket)
    outbound(tenant, c, channels["email"], at(0.5), email_ticket)  # latest inbound is email: fine
    inbound(tenant, c, channels["sms"], at(1), sms_ticket)
    outbound(tenant, c, channels["email"], at(2), email_ticket)  # customer moved to SMS: stale
    outbound(tenant, c, channels["sms"], at(2), sms_ticket)  # answered where the customer is
    outbound(tenant, c, channels["email"], at(1), None, purpose="marketing")  # not an agent reply
    r = replay(tenant)
    assert {m: r[m]["stale_channel_replies"] for m in r} == {"multichannel": 1, "crosschannel": 1, "omnichannel": 0}


def test_an_omnichannel_ticket_replayed_under_multichannel_answers_on_its_opening_channel(tenant, channels):
    c = contact(tenant)
    one = ticket(tenant, c, channels["email"], at(0), mode="omnichannel")
    inbound(tenant, c, channels["email"], at(0), one)
    inbound(tenant, c, channels["sms"], at(1), one)
    outbound(tenant, c, channels["sms"], at(1.5), one)
    r = replay(tenant)
    assert (r["multichannel"]["stale_channel_replies"], r["omnichannel"]["stale_channel_replies"]) == (1, 0)


def _journey_send(tenant, c, enrollment, when, kind, previous="", outcome="sent", reason=""):
    return StepRun.objects.create(
        tenant=tenant,
        enrollment=enrollment,
        journey=enrollment.journey,
        contact=c,
        step_index=0,
        step_type="send",
        channel_kind=kind,
        previous_channel_kind=previous,
        purpose="marketing",
        outcome=outcome,
        reason=reason,
        at=when,
    )


def test_post_goal_sends_count_sends_each_policy_would_not_have_suppressed(tenant, channels):
    c = contact(tenant)
    journey = Journey.objects.create(tenant=tenant, name="cart", trigger_event="cart.abandoned", goal_event="purchase")
    enrollment = Enrollment.objects.create(
        tenant=tenant, journey=journey, contact=c, mode="omnichannel", enrolled_at=at(0)
    )
    _journey_send(tenant, c, enrollment, at(1), "email")  # before the goal: never post-goal
    event(tenant, c, "purchase", at(2), channels["store"])
    event(tenant, c, "purchase", at(-5), channels["email"])  # before enrolment: not this journey's goal
    _journey_send(tenant, c, enrollment, at(3), "sms", previous="email", outcome="suppressed", reason="goal_reached")
    _journey_send(tenant, c, enrollment, at(4), "push", previous="store")
    _journey_send(tenant, c, enrollment, at(5), "store", outcome="suppressed", reason="opted_out")  # never sent
    r = replay(tenant)
    # sms after a store purchase: multichannel and crosschannel (email+sms) miss it;
    # push after store: crosschannel sees the previous step's store channel.
    assert {m: r[m]["post_goal_sends"] for m in r} == {"multichannel": 2, "crosschannel": 1, "omnichannel": 0}


def test_capped_sends_are_those_past_a_cross_channel_cap_that_a_per_channel_cap_lets_through(tenant, channels):
    tenant.frequency_cap_max_sends, tenant.frequency_cap_days = 2, 7
    tenant.save()
    c = contact(tenant)
    for hours, kind in [(0, "email"), (1, "sms"), (2, "whatsapp"), (3, "email"), (3.5, "email")]:
        outbound(tenant, c, channels[kind], at(hours), purpose="marketing")
    outbound(tenant, contact(tenant), channels["email"], at(24 * 8), purpose="marketing")
    r = replay(tenant)
    # 3rd, 4th and 5th sends exceed 2 in 7 days across channels; per kind only the 5th (3rd email) does.
    assert {m: r[m]["capped_sends"] for m in r} == {"multichannel": 2, "crosschannel": 2, "omnichannel": 0}


def test_no_frequency_cap_means_no_capped_sends(tenant, channels):
    c = contact(tenant)
    for hours in range(5):
        outbound(tenant, c, channels["email"], at(hours), purpose="marketing")
    assert {m["capped_sends"] for m in replay(tenant).values()} == {0}


def _redeem(tenant, offer, channel, when, accepted=False, reason="channel_not_allowed"):
    OfferRedemption.objects.create(
        tenant=tenant,
        offer=offer,
        channel=channel,
        channel_kind=channel.kind,
        accepted=accepted,
        reason=reason,
        mode=tenant.mode,
        at=when,
    )


def test_refused_offers_follow_each_policy_and_the_tenant_links(tenant, channels):
    tenant.offer_links = {"email": ["webchat"]}
    tenant.save()
    c = contact(tenant)
    offer = Offer.objects.create(
        tenant=tenant, contact=c, code="A1", issued_channel=channels["email"], issued_kind="email", issued_at=at(0)
    )
    _redeem(tenant, offer, channels["store"], at(1))
    _redeem(tenant, offer, channels["webchat"], at(2))
    _redeem(tenant, offer, channels["email"], at(3), accepted=True, reason="accepted")
    _redeem(tenant, offer, channels["store"], at(4), reason="already_redeemed")  # refused everywhere
    r = replay(tenant)
    assert {m: r[m]["offer_redemptions_refused"] for m in r} == {
        "multichannel": 2,
        "crosschannel": 1,
        "omnichannel": 0,
    }


def test_replay_never_writes_and_costs_the_same_queries_whatever_the_history(
    tenant, channels, django_assert_max_num_queries
):
    from crm.models import Message, Ticket

    c = contact(tenant)
    for i in range(10):
        inbound(tenant, c, channels["email" if i % 2 else "sms"], at(i))
    with django_assert_max_num_queries(5):
        replay(tenant)
    for i in range(300):
        inbound(tenant, contact(tenant), channels["sms"], at(i))
    counts = (Message.objects.count(), Ticket.objects.count())
    with django_assert_max_num_queries(5):
        replay(tenant)
    assert (Message.objects.count(), Ticket.objects.count()) == counts


def test_repeat_share_counts_episodes_with_a_switch_once_however_many_switches(tenant, channels):
    a, b = contact(tenant), contact(tenant)
    for hours, kind in [(0, "email"), (1, "sms"), (2, "email"), (3, "sms")]:  # one episode, three switches
        inbound(tenant, a, channels[kind], at(hours))
    inbound(tenant, a, channels["whatsapp"], at(100))  # new episode: one switch
    inbound(tenant, a, channels["email"], at(101))
    inbound(tenant, b, channels["email"], at(0))  # no switch, then a new episode on another channel
    inbound(tenant, b, channels["sms"], at(80))
    r = replay(tenant)
    multi = r["multichannel"]
    assert (multi["episodes"], multi["channel_switches"], multi["context_losses"]) == (4, 4, 4)
    assert multi["repeat_contact_share"] == 0.5
    assert multi["threads"] == 6  # a: email, sms, whatsapp, email (new episode); b: email, sms
    assert r["omnichannel"]["threads"] == 4 and r["crosschannel"]["repeat_contact_share"] == 0.0


def test_replay_reads_each_policys_behaviour_from_the_policy_objects():
    from crm.policies import policy_for_mode
    from insights.metrics.replay import accepted_offer_pairs, hides_switches, replies_on_latest_inbound

    multi, cross, omni = (policy_for_mode(m) for m in ("multichannel", "crosschannel", "omnichannel"))
    assert [hides_switches(p) for p in (multi, cross, omni)] == [True, False, False]
    assert [replies_on_latest_inbound(p) for p in (multi, cross, omni)] == [False, False, True]
    links = {"email": ["store"]}
    assert ("email", "store") not in accepted_offer_pairs(multi, links)
    assert ("email", "store") in accepted_offer_pairs(cross, links)
    assert len(accepted_offer_pairs(omni, {})) == 81
