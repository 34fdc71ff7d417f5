"""Ingestion's fast paths keep its behaviour: duplicates decided by the database constraint
roll back whatever the attempt wrote, a ticket's channels stay complete, and two first
messages of one new sender at once make one contact."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from crm.models import Contact, Identity, Message, Ticket, TicketChannel
from crm.services.messages import InboundMessage, message_ingest
from crm.services.tenants import api_key_create
from crm.services.tickets import ticket_touch
from tests.factories import ChannelFactory, TenantFactory

INBOUND = "/api/v1/messages/inbound/"


def _post(api, channel, sender, external_id, text="hello"):
    return api.post(
        INBOUND, {"channel": channel.pk, "from": sender, "text": text, "external_id": external_id}, format="json"
    )


def test_redelivery_after_erasure_brings_back_no_contact(api, manager_api, channels):
    first = _post(api, channels["sms"], "+33612345678", "SM1").json()
    assert manager_api.post(f"/api/v1/contacts/{first['contact']}/erase/").status_code in (200, 202)
    contacts, identities = Contact.objects.count(), Identity.objects.count()

    again = _post(api, channels["sms"], "+33612345678", "SM1")

    assert again.status_code == 200
    assert again.json() == {**first, "duplicate": True}
    assert (Contact.objects.count(), Identity.objects.count()) == (contacts, identities)


def test_redelivery_after_the_ticket_closed_opens_no_ticket(api, manager_api, channels):
    first = _post(api, channels["sms"], "+33612345678", "SM1").json()
    assert (
        manager_api.patch(f"/api/v1/tickets/{first['ticket']}/", {"status": "closed"}, format="json").status_code == 200
    )

    again = _post(api, channels["sms"], "+33612345678", "SM1")

    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1


def test_a_tickets_channels_are_every_channel_it_received_on(api, channels):
    ids = [_post(api, channels[k], "+33612345678", f"M{i}").json() for i, k in enumerate(["sms", "whatsapp", "sms"])]

    assert len({r["ticket"] for r in ids}) == 1  # omnichannel
    assert set(TicketChannel.objects.values_list("channel_id", flat=True)) == {
        channels["sms"].pk,
        channels["whatsapp"].pk,
    }
    assert sorted(api.get(f"/api/v1/tickets/{ids[0]['ticket']}/").json()["channels"]) == sorted(
        [channels["sms"].pk, channels["whatsapp"].pk]
    )


def test_touching_the_ingested_ticket_on_another_channel_records_that_channel(tenant, channels):
    result = message_ingest(tenant=tenant, inbound=InboundMessage(channel=channels["sms"], from_address="+33612345678"))
    ticket = result.message.ticket

    ticket_touch(ticket=ticket, channel=channels["email"], at=result.message.occurred_at, inbound=False)

    assert set(TicketChannel.objects.filter(ticket=ticket).values_list("channel_id", flat=True)) == {
        channels["sms"].pk,
        channels["email"].pk,
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_first_messages_of_a_new_sender_at_once_make_one_contact_and_one_ticket():
    tenant = TenantFactory(mode="omnichannel")
    sms, whatsapp = ChannelFactory(tenant=tenant, kind="sms"), ChannelFactory(tenant=tenant, kind="whatsapp")
    _, raw = api_key_create(tenant=tenant, role="agent")
    barrier, results = threading.Barrier(6), []

    def send(channel, external_id):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
        try:
            barrier.wait()
            results.append(_post(client, channel, "+33612345678", external_id).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=([sms, whatsapp][i % 2], f"X{i}")) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert results == [201] * 6
    assert Contact.objects.filter(tenant=tenant).count() == 1
    assert Ticket.objects.filter(tenant=tenant).count() == 1
    assert Message.objects.filter(tenant=tenant).count() == 6
