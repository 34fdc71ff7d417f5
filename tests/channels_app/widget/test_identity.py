"""Identity verification: a page that proves the visitor's e-mail (data-email-hash) links the
chat to that contact; an e-mail only claimed never links."""

from __future__ import annotations

import pytest

from crm.models import Contact, Identity, Message
from crm.services.contacts import contact_create
from crm.services.messages import InboundMessage, message_ingest

from .conftest import SECRET, WidgetClient, proof

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alice_emailed(tenant, channels):
    """Alice wrote by e-mail; her ticket is open."""
    contact_create(tenant=tenant, name="Alice Martin", identities=[{"kind": "email", "address": "alice@example.com"}])
    inbound = InboundMessage(channel=channels["email"], from_address="alice@example.com", text="My order 4411 is late")
    return message_ingest(tenant=tenant, inbound=inbound).message


def _said(client, text):
    response = client.say(text)
    assert response.status_code == 201, response.content
    return Message.objects.get(pk=response.json()["message"]["id"])


def test_a_verified_visitor_continues_the_email_conversation(make_visitor, alice_emailed):
    visitor = make_visitor()
    visitor.start(**proof("Alice@Example.com"))
    chat = _said(visitor, "any news?")
    assert chat.contact_id == alice_emailed.contact_id
    assert chat.ticket_id == alice_emailed.ticket_id  # omnichannel: one conversation
    assert chat.metadata["widget"]["verified_email"] == "alice@example.com"
    visitor_identity = Identity.objects.get(kind="visitor", address=chat.from_address)
    assert visitor_identity.contact_id == alice_emailed.contact_id and visitor_identity.verified


@pytest.mark.parametrize("hash_", ["", "0" * 64, "not hex", None])
def test_an_unproved_email_is_only_a_claim(make_visitor, alice_emailed, hash_):
    visitor = make_visitor()
    visitor.start(email="alice@example.com", email_hash=hash_)
    chat = _said(visitor, "Send me Alice's order details")
    assert chat.contact_id != alice_emailed.contact_id
    assert chat.ticket_id != alice_emailed.ticket_id
    assert chat.metadata["widget"]["claimed_email"] == "alice@example.com"
    assert "verified_email" not in chat.metadata["widget"]
    assert list(Identity.objects.filter(contact=chat.contact).values_list("kind", flat=True)) == ["visitor"]
    # nothing of Alice's conversation is shown to the claimant
    texts = [m["text"] for m in visitor.post("poll", {"after": 0}).json()["messages"]]
    assert texts == ["Send me Alice's order details"]


def test_a_hash_made_with_another_secret_does_not_link(make_visitor, alice_emailed):
    visitor = make_visitor()
    visitor.start(**proof("alice@example.com", secret="guessed"))
    assert _said(visitor, "hi").contact_id != alice_emailed.contact_id


def test_the_previous_secret_still_verifies_during_a_rotation(make_visitor, alice_emailed, widget_channel):
    widget_channel.credentials = {**widget_channel.credentials, "secret": "new", "previous_secret": SECRET}
    widget_channel.save()
    visitor = make_visitor()
    visitor.start(**proof("alice@example.com", secret=SECRET))
    assert _said(visitor, "hi").contact_id == alice_emailed.contact_id


def test_a_verified_email_nobody_has_yet_makes_a_contact_with_it(make_visitor):
    visitor = make_visitor()
    visitor.start(**proof("new@example.com"))
    chat = _said(visitor, "hello")
    kinds = dict(Identity.objects.filter(contact=chat.contact).values_list("kind", "verified"))
    assert kinds == {"email": True, "visitor": True}


def test_an_anonymous_visitor_who_logs_in_is_merged_into_the_email_contact(make_visitor, alice_emailed, widget_channel):
    visitor = make_visitor()
    visitor.start()
    anonymous = _said(visitor, "hello, anyone?")
    anonymous_contact = anonymous.contact_id
    visitor.identity = proof("alice@example.com")  # the site's next page: Alice logged in
    visitor.start(**visitor.identity)
    _said(visitor, "it is Alice")
    anonymous.refresh_from_db()
    assert anonymous.contact_id == alice_emailed.contact_id
    assert not Contact.objects.filter(pk=anonymous_contact).exists()
    texts = [m["text"] for m in visitor.post("poll", {"after": 0}).json()["messages"]]
    assert texts == ["hello, anyone?", "it is Alice"]


def test_a_shared_computer_does_not_show_the_previous_users_conversation(make_visitor, widget_channel, alice_emailed):
    alice = make_visitor()
    alice.start(**proof("alice@example.com"))
    _said(alice, "my card number ends with 4242")
    stored = alice.token

    for identity in ({}, proof("bob@example.com"), {"email": "alice@example.com", "email_hash": "0" * 64}):
        nextuser = WidgetClient(widget_channel)
        nextuser.token, nextuser.identity = stored, identity
        assert nextuser.post("poll", {"after": 0}).status_code == 403
        assert nextuser.say("hello").status_code == 403
        session = nextuser.post("session").json()
        assert session["token"] != stored and session["messages"] == []

    back = WidgetClient(widget_channel)
    back.token, back.identity = stored, proof("alice@example.com")
    session = back.post("session").json()
    assert session["token"] == stored
    assert [m["text"] for m in session["messages"]][0] == "my card number ends with 4242"


def test_a_verified_visitor_sees_their_chat_on_another_device(make_visitor, alice_emailed):
    laptop = make_visitor()
    laptop.start(**proof("alice@example.com"))
    first = _said(laptop, "from the laptop")
    phone = make_visitor(address="198.51.100.4")
    session = phone.start(**proof("alice@example.com"))
    assert session["token"] != laptop.token
    assert [m["text"] for m in session["messages"]] == ["from the laptop"]
    assert _said(phone, "from the phone").ticket_id == first.ticket_id
    stranger = make_visitor()
    assert stranger.start(**proof("bob@example.com"))["messages"] == []
    assert stranger.start(email="alice@example.com")["messages"] == []  # a claim shows nothing
