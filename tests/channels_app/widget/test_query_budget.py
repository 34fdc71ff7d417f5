"""The poll runs every second per open chat: its queries do not grow with the conversation."""

from __future__ import annotations

import pytest

from crm.models import Message
from tests.queries import queries_exactly

pytestmark = pytest.mark.django_db


def _history(visitor, n):
    first = Message.objects.get(pk=visitor.say("hello").json()["message"]["id"])
    Message.objects.bulk_create(
        Message(
            tenant=first.tenant, contact=first.contact, ticket=first.ticket, channel=first.channel,
            direction="outbound", status="read", text=f"reply {i}", to_address=first.from_address,
            occurred_at=first.occurred_at,
        )
        for i in range(n)
    )  # fmt: skip
    return Message.objects.order_by("pk").last().pk


@pytest.mark.parametrize("n", [10, 1000])
def test_a_poll_costs_three_queries_whatever_the_history(visitor, n):
    last = _history(visitor, n)
    # the channel, the visitor's contact and identities, the new messages
    with queries_exactly(sqlite=3, postgresql=3):
        assert visitor.post("poll", {"after": last}).json()["messages"] == []
    with queries_exactly(sqlite=3, postgresql=3):
        assert len(visitor.post("poll", {"after": last - 5}).json()["messages"]) == 5


@pytest.mark.parametrize("n", [10, 1000])
def test_a_page_load_reads_at_most_the_newest_hundred(visitor, n):
    _history(visitor, n)
    with queries_exactly(sqlite=3, postgresql=3):
        messages = visitor.post("session").json()["messages"]
    assert len(messages) == min(n + 1, 100) and messages[-1]["text"] == f"reply {n - 1}"
