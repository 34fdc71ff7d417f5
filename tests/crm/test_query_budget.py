"""Ingesting a message and reading a ticket's context cost the same number of queries for a
contact with 10 or 10,000 earlier messages: an exact number per backend (``queries_exactly``).

On PostgreSQL, ingestion is one round trip (``crm.services.ingest_sql``), and a redelivery one
more (the stored message that answers); on SQLite, the ORM form's count depends on the mode
(a ticket joined, opened, or opened and linked)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Direction, Message, MessageStatus, Ticket
from crm.selectors.tickets import ticket_context
from crm.services.contacts import contact_create
from crm.services.messages import InboundMessage, message_ingest
from tests.queries import queries_exactly

#: (first message, redelivery) per mode: SQLite, PostgreSQL
INGEST_QUERIES = {
    "multichannel": ((5, 1), (4, 2)),
    "crosschannel": ((7, 1), (4, 2)),
    "omnichannel": ((5, 1), (4, 2)),
}
#: per mode, the same on both backends: the ticket's links, its messages, their attachments (one
#: prefetch), and in omnichannel the contact's events
CONTEXT_QUERIES = {"multichannel": 3, "crosschannel": 3, "omnichannel": 4}
#: the API key, the ticket with its channels and links, then the context (omnichannel, the fixture's mode)
CONTEXT_API_QUERIES = (8, 8)


def seed_history(tenant, channels, n):
    contact = contact_create(
        tenant=tenant,
        name="A",
        identities=[
            {"kind": "email", "address": f"h{n}@x.fr"},
            {"kind": "phone", "address": f"+336120{n:05d}"},
        ],
    )
    first = message_ingest(
        tenant=tenant,
        inbound=InboundMessage(
            channel=channels["email"], from_address=f"h{n}@x.fr", text="first", external_id=f"h{n}-0"
        ),
    )
    ticket = first.message.ticket
    t0 = timezone.now() - timedelta(days=30)
    Message.objects.bulk_create(
        Message(
            tenant=tenant,
            contact=contact,
            ticket=ticket,
            channel=channels["email" if i % 2 else "sms"],
            direction=Direction.INBOUND if i % 3 else Direction.OUTBOUND,
            status=MessageStatus.RECEIVED,
            text=f"m{i}",
            external_id=f"h{n}-{i + 1}",
            occurred_at=t0 + timedelta(minutes=i),
        )
        for i in range(n - 1)
    )
    return contact, ticket


@pytest.mark.parametrize("mode", ["multichannel", "crosschannel", "omnichannel"])
@pytest.mark.parametrize("history", [10, 10_000])
def test_ingest_cost_does_not_grow_with_history(tenant, channels, mode, history):
    tenant.mode = mode
    tenant.save()
    contact, _ = seed_history(tenant, channels, history)
    first, redelivery = INGEST_QUERIES[mode]
    with queries_exactly(sqlite=first[0], postgresql=first[1]):
        result = message_ingest(
            tenant=tenant,
            inbound=InboundMessage(
                channel=channels["sms"], from_address=f"+336120{history:05d}", text="any news?", external_id="new-1"
            ),
        )
    assert result.message.contact_id == contact.pk and not result.duplicate
    with queries_exactly(sqlite=redelivery[0], postgresql=redelivery[1]):
        again = message_ingest(
            tenant=tenant,
            inbound=InboundMessage(
                channel=channels["sms"], from_address=f"+336120{history:05d}", text="any news?", external_id="new-1"
            ),
        )
    assert again.duplicate


@pytest.mark.parametrize("mode", ["multichannel", "crosschannel", "omnichannel"])
@pytest.mark.parametrize("history", [10, 10_000])
def test_context_cost_does_not_grow_with_history(tenant, channels, mode, history):
    tenant.mode = mode
    tenant.save()
    _, ticket = seed_history(tenant, channels, history)
    ticket = Ticket.objects.select_related("channel").get(pk=ticket.pk)
    with queries_exactly(sqlite=CONTEXT_QUERIES[mode], postgresql=CONTEXT_QUERIES[mode]):
        ctx = ticket_context(tenant=tenant, ticket=ticket)
        texts = [(m.text, m.channel.kind) for m in ctx.messages]
    assert ctx.mode == mode
    assert 0 < len(texts) <= 200


@pytest.mark.parametrize("history", [10, 2_000])
def test_context_api_cost_does_not_grow_with_history(tenant, api, channels, history):
    _, ticket = seed_history(tenant, channels, history)
    with queries_exactly(sqlite=CONTEXT_API_QUERIES[0], postgresql=CONTEXT_API_QUERIES[1]):
        resp = api.get(f"/api/v1/tickets/{ticket.pk}/context/")
    assert resp.status_code == 200 and resp.json()["messages"]


@pytest.mark.parametrize("rule", ["round_robin", "balanced"])
def test_assignment_adds_one_query_to_a_message_that_opens_a_ticket(tenant, channels, rule):
    """A channel with a team: the first message of a new ticket costs one query more, on both
    backends (the ORM form asks before inserting the ticket, the PostgreSQL form after); a
    message joining its ticket costs nothing more."""
    from django.contrib.auth import get_user_model

    from crm.models import Membership
    from crm.services.teams import team_create

    tenant.mode = "multichannel"
    tenant.save()
    agent = get_user_model().objects.create_user("budget-agent")
    Membership.objects.create(tenant=tenant, user=agent)
    channels["sms"].team = team_create(tenant=tenant, name="Support", assignment=rule, members=[agent.pk])
    channels["sms"].save()
    contact, _ = seed_history(tenant, channels, 10)
    (opening, opening_pg), _ = INGEST_QUERIES["multichannel"]
    sms = InboundMessage(channel=channels["sms"], from_address="+33612000010", text="any news?", external_id="t-1")
    with queries_exactly(sqlite=opening + 1, postgresql=opening_pg + 1):
        result = message_ingest(tenant=tenant, inbound=sms)
    assert Ticket.objects.get(pk=result.message.ticket_id).assignee_id == agent.pk
    joining = InboundMessage(channel=channels["sms"], from_address="+33612000010", text="hello?", external_id="t-2")
    with queries_exactly(sqlite=4, postgresql=1):
        message_ingest(tenant=tenant, inbound=joining)
