"""A visitor's conversation: written through message_ingest, replies delivered to its poll,
kept across page loads, and nothing of anyone else's."""

from __future__ import annotations

import pytest

from crm.models import Identity, Message
from crm.services.messages import ticket_reply

from .conftest import WidgetClient

pytestmark = pytest.mark.django_db(transaction=True)


def _reply(message, text="We are on it."):
    return ticket_reply(tenant=message.tenant, ticket=message.ticket, text=text, author="staff:agent")


def test_a_visitor_message_is_ingested_on_a_webchat_ticket(visitor, widget_channel):
    response = visitor.say("Hello, where is my parcel?", page="https://shop.example/orders")
    assert response.status_code == 201
    message = Message.objects.get(pk=response.json()["message"]["id"])
    assert (message.channel, message.direction, message.text) == (
        widget_channel,
        "inbound",
        "Hello, where is my parcel?",
    )
    assert message.ticket.channel == widget_channel
    identity = Identity.objects.get(contact=message.contact)
    assert identity.kind == "visitor" and identity.address == message.from_address
    assert visitor.token not in identity.address  # the token itself is never stored
    assert message.metadata["widget"] == {"page": "https://shop.example/orders"}


def test_a_retried_send_is_one_message(visitor):
    first = visitor.say("Hello", client_id="abc-123")
    again = visitor.say("Hello", client_id="abc-123")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert Message.objects.filter(direction="inbound").count() == 1


def test_an_agent_reply_reaches_the_poll_and_moves_sent_delivered_read(visitor):
    inbound = Message.objects.get(pk=visitor.say("Hello").json()["message"]["id"])
    reply = _reply(inbound)
    reply.refresh_from_db()
    assert (reply.status, reply.to_address, reply.external_id) == ("sent", inbound.from_address, f"widget-{reply.pk}")

    polled = visitor.post("poll", {"after": inbound.pk}).json()["messages"]
    assert [(m["id"], m["direction"], m["text"]) for m in polled] == [(reply.pk, "outbound", "We are on it.")]
    reply.refresh_from_db()
    assert reply.status == "delivered" and reply.delivered_at is not None
    assert visitor.post("poll", {"after": reply.pk}).json()["messages"] == []

    assert visitor.post("seen", {"ids": [reply.pk]}).status_code == 204
    reply.refresh_from_db()
    assert reply.status == "read" and reply.read_at is not None


def test_a_reply_still_queued_is_not_shown(visitor, settings):
    inbound = Message.objects.get(pk=visitor.say("Hello").json()["message"]["id"])
    Message.objects.create(
        tenant=inbound.tenant, contact=inbound.contact, ticket=inbound.ticket, channel=inbound.channel,
        direction="outbound", status="queued", text="not yet", to_address=inbound.from_address,
        occurred_at=inbound.occurred_at,
    )  # fmt: skip
    assert visitor.post("poll", {"after": 0}).json()["messages"][-1]["text"] == "Hello"


def test_a_page_load_with_the_stored_token_keeps_the_conversation(visitor, widget_channel):
    inbound = Message.objects.get(pk=visitor.say("Hello").json()["message"]["id"])
    reply = _reply(inbound)
    reloaded = WidgetClient(widget_channel)
    reloaded.token = visitor.token  # what localStorage gave back
    session = reloaded.post("session").json()
    assert session["token"] == visitor.token
    assert [m["id"] for m in session["messages"]] == [inbound.pk, reply.pk]


def test_a_token_the_server_did_not_issue_is_refused(widget_channel, visitor):
    forged = WidgetClient(widget_channel)
    forged.token = visitor.token[:-1] + ("A" if visitor.token[-1] != "A" else "B")
    assert forged.post("poll", {"after": 0}).status_code == 403
    assert forged.say("hi").status_code == 403
    assert forged.post("session").json()["token"] != visitor.token  # a fresh one instead
    assert not Message.objects.exists()


def test_another_visitor_sees_nothing_of_the_first(visitor, make_visitor):
    inbound = Message.objects.get(pk=visitor.say("My address is 3 rue de la Paix").json()["message"]["id"])
    reply = _reply(inbound, "Noted, 3 rue de la Paix.")
    other = make_visitor()
    session = other.start()
    assert session["messages"] == [] and session["token"] != visitor.token
    assert other.post("poll", {"after": 0}).json()["messages"] == []
    other.say("Hello?")
    assert [m["text"] for m in other.post("poll", {"after": 0}).json()["messages"]] == ["Hello?"]
    assert other.post("seen", {"ids": [reply.pk, inbound.pk]}).status_code == 204
    reply.refresh_from_db()
    assert reply.status == "sent"  # another visitor's ids move nothing
    # the first visitor's client_id used by the second is the second's own message
    assert other.say("again", client_id="same").status_code == 201
    assert visitor.say("again", client_id="same").status_code == 201


def test_replies_go_to_the_visitor_they_target(visitor, make_visitor):
    first = Message.objects.get(pk=visitor.say("Hello").json()["message"]["id"])
    other = make_visitor()
    other.start()
    second = Message.objects.get(pk=other.say("Hi").json()["message"]["id"])
    _reply(first, "for the first")
    _reply(second, "for the second")
    assert [m["text"] for m in visitor.post("poll", {"after": 0}).json()["messages"]] == ["Hello", "for the first"]
    assert [m["text"] for m in other.post("poll", {"after": 0}).json()["messages"]] == ["Hi", "for the second"]
