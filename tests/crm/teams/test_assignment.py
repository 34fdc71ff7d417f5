"""New tickets on a channel with a team go to its members by the team's rule."""

from collections import Counter

import pytest

from crm.models import Membership, Ticket
from crm.services.messages import InboundMessage, message_ingest
from crm.services.teams import availability_set, team_create
from crm.services.tickets import ticket_update


def ingest(channel, sender, text="hello", **extra):
    inbound = InboundMessage(channel=channel, from_address=sender, text=text, **extra)
    return message_ingest(tenant=channel.tenant, inbound=inbound).message


def routed(channel, rule, members, **extra):
    team = team_create(
        tenant=channel.tenant, name=f"team {channel.pk}", assignment=rule, members=[u.pk for u in members], **extra
    )
    channel.team = team
    channel.save()
    return team


def test_round_robin_hands_new_tickets_to_each_member_in_turn(tenant, channels, agents):
    routed(channels["sms"], "round_robin", agents)
    assignees = [ingest(channels["sms"], f"+3361234560{i}").ticket.assignee_id for i in range(6)]
    assert assignees == [a.pk for a in agents] * 2


def test_manual_leaves_tickets_unassigned_and_a_channel_without_team_too(tenant, channels, agents):
    routed(channels["sms"], "manual", agents)
    assert ingest(channels["sms"], "+33612345601").ticket.assignee_id is None
    assert ingest(channels["email"], "a@example.com").ticket.assignee_id is None


def test_balanced_gives_the_member_with_fewest_open_tickets_under_the_cap(tenant, channels, agents):
    routed(channels["sms"], "balanced", agents[:2], max_open_per_agent=2)
    first = ingest(channels["sms"], "+33612345601").ticket
    second = ingest(channels["sms"], "+33612345602").ticket
    assert {first.assignee_id, second.assignee_id} == {agents[0].pk, agents[1].pk}
    ticket_update(ticket=Ticket.objects.get(pk=first.pk), status="resolved")  # its agent now has none open
    third = ingest(channels["sms"], "+33612345603").ticket
    assert third.assignee_id == first.assignee_id
    fourth, fifth = ingest(channels["sms"], "+33612345604").ticket, ingest(channels["sms"], "+33612345605").ticket
    assert {fourth.assignee_id, fifth.assignee_id} == {agents[0].pk, agents[1].pk}  # 2 open each now
    assert ingest(channels["sms"], "+33612345606").ticket.assignee_id is None  # everyone at the cap


def test_away_members_get_nothing(tenant, channels, agents):
    routed(channels["sms"], "round_robin", agents)
    availability_set(tenant=tenant, user_id=agents[0].pk, availability="away")
    assignees = {ingest(channels["sms"], f"+3361234560{i}").ticket.assignee_id for i in range(4)}
    assert assignees == {agents[1].pk, agents[2].pk}


def test_omnichannel_keeps_the_agent_whatever_the_channel(tenant, channels, agents):
    routed(channels["sms"], "round_robin", agents[:1])
    routed(channels["whatsapp"], "round_robin", agents[1:2])
    first = ingest(channels["sms"], "+33612345601").ticket
    later = ingest(channels["whatsapp"], "+33612345601").ticket
    assert later.pk == first.pk and Ticket.objects.get(pk=first.pk).assignee_id == agents[0].pk


def test_multichannel_each_channel_team_handles_its_own_silo(tenant, channels, agents):
    tenant.mode = "multichannel"
    tenant.save()
    routed(channels["sms"], "round_robin", agents[:1])
    routed(channels["whatsapp"], "round_robin", agents[1:2])
    sms = ingest(channels["sms"], "+33612345601").ticket
    wa = ingest(channels["whatsapp"], "+33612345601").ticket
    assert sms.pk != wa.pk
    assert (sms.assignee_id, Ticket.objects.get(pk=wa.pk).assignee_id) == (agents[0].pk, agents[1].pk)


@pytest.mark.parametrize("reassign", [True, False])
def test_going_away_hands_open_tickets_on_if_the_tenant_wants_it(tenant, channels, agents, reassign):
    tenant.reassign_when_away = reassign
    tenant.save()
    routed(channels["sms"], "round_robin", agents[:2])
    tickets = [ingest(channels["sms"], f"+3361234560{i}").ticket for i in range(4)]
    held = [t.pk for t in tickets if t.assignee_id == agents[0].pk]
    moved = availability_set(tenant=tenant, user_id=agents[0].pk, availability="away")
    now = Counter(Ticket.objects.filter(pk__in=held).values_list("assignee_id", flat=True))
    if reassign:
        assert sorted(moved) == sorted(held) and now == Counter({agents[1].pk: len(held)})
    else:
        assert moved == [] and now == Counter({agents[0].pk: len(held)})
    assert Membership.objects.get(tenant=tenant, user=agents[0]).availability == "away"
