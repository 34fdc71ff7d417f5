"""Each change type reaches a subscription once, in the documented envelope, signed."""

import pytest

from channels_app.adapters.base import StatusEvent
from channels_app.models import EventDelivery, OutgoingEvent
from channels_app.services.status import status_event_apply
from crm.models import Contact, Message
from crm.services.changes import change_publish
from crm.services.messages import InboundMessage, message_ingest
from crm.signals import change_published
from tests.factories import ChannelFactory

from .conftest import verified

pytestmark = pytest.mark.django_db


def received(sink) -> list[dict]:
    return [verified(request) for request in sink.requests]


def test_every_change_type_is_delivered_once_signed(
    tenant, manager_api, sink, subscribe, django_capture_on_commit_callbacks
):
    webhook = ChannelFactory(tenant=tenant, kind="sms")  # console: the reply is "sent" at once
    subscribe(sink.url)
    with django_capture_on_commit_callbacks(execute=True):
        resp = manager_api.post("/api/v1/contacts/", {"name": "Ada", "identities": []}, format="json")
        assert resp.status_code == 201
        ada = resp.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        resp = manager_api.post(
            "/api/v1/messages/inbound/",
            {"channel": webhook.pk, "from": "+33612345678", "text": "my order 4411 is late", "external_id": "in-1"},
            format="json",
        )
        inbound = resp.json()
    with django_capture_on_commit_callbacks(execute=True):
        manager_api.patch(f"/api/v1/tickets/{inbound['ticket']}/", {"status": "pending"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        reply = manager_api.post(f"/api/v1/tickets/{inbound['ticket']}/reply/", {"text": "on its way"}, format="json")
        assert reply.status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        Message.objects.filter(pk=reply.json()["id"]).update(external_id="webhook-out-1")
        status_event_apply(
            channel=webhook,
            event=StatusEvent(external_id="webhook-out-1", status="delivered", provider_status="delivered"),
        )
    with django_capture_on_commit_callbacks(execute=True):
        resp = manager_api.post("/api/v1/events/", {"contact": inbound["contact"], "name": "purchase"}, format="json")
        assert resp.status_code == 201, resp.content
    with django_capture_on_commit_callbacks(execute=True):
        resp = manager_api.post(f"/api/v1/contacts/{inbound['contact']}/merge/", {"other": ada}, format="json")
        assert resp.status_code == 200, resp.content

    envelopes = received(sink)
    assert [e["type"] for e in envelopes] == [
        "contact.created",
        "contact.created",
        "ticket.created",
        "message.created",
        "ticket.updated",
        "message.created",
        "message.status",
        "event.created",
        "contact.merged",
    ]
    assert all(set(e) == {"id", "type", "created_at", "data"} for e in envelopes)
    assert len({e["id"] for e in envelopes}) == len(envelopes)
    by_type = {e["type"]: e["data"] for e in envelopes}
    assert by_type["message.created"]["text"] == "on its way"
    assert by_type["ticket.updated"]["status"] == "pending"
    assert by_type["message.status"]["status"] == "delivered"
    assert by_type["event.created"]["name"] == "purchase"
    assert by_type["contact.merged"]["id"] == inbound["contact"]
    assert envelopes[0]["data"]["name"] == "Ada" and envelopes[0]["created_at"].endswith("Z")
    assert set(EventDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_only_the_subscribed_types_and_tenant(tenant, sink, subscribe, channels, django_capture_on_commit_callbacks):
    subscribe(sink.url, events=["ticket.created"])
    with django_capture_on_commit_callbacks(execute=True):
        message_ingest(tenant=tenant, inbound=InboundMessage(channel=channels["sms"], from_address="+33612345678"))
    assert [verified(r)["type"] for r in sink.requests] == ["ticket.created"]
    assert tenant.subscribed_events == ["ticket.created"]


def test_a_tenant_without_subscriptions_writes_no_event(tenant, channels):
    message_ingest(tenant=tenant, inbound=InboundMessage(channel=channels["sms"], from_address="+33612345678"))
    assert not OutgoingEvent.objects.exists()


def test_imported_changes_are_never_published(tenant, sink, subscribe):
    subscribe(sink.url)
    contact = Contact.objects.create(tenant=tenant, name="Old")
    change_publish(tenant=tenant, change="contact.created", instance=contact, contact_id=contact.pk, imported=True)
    change_published.send(
        sender=Contact, tenant=tenant, change="contact.created", instance=contact, contact_id=contact.pk, imported=True
    )
    assert not OutgoingEvent.objects.exists()
    change_publish(tenant=tenant, change="contact.created", instance=contact, contact_id=contact.pk)
    assert OutgoingEvent.objects.count() == 1


def test_the_event_row_is_part_of_the_changing_transaction(tenant, subscribe, sink, channels):
    """A change rolled back takes its event with it."""
    from django.db import transaction

    subscribe(sink.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        message_ingest(tenant=tenant, inbound=InboundMessage(channel=channels["sms"], from_address="+33612345678"))
        assert OutgoingEvent.objects.count() == 3
        raise RuntimeError
    assert not OutgoingEvent.objects.exists() and not Message.objects.exists()


def test_erasure_empties_the_contacts_stored_events(tenant, subscribe, sink):
    from crm.services.contacts import contact_create, contact_erase

    subscribe(sink.url, events=["contact.created"])
    contact = contact_create(tenant=tenant, name="Ada Lovelace", identities=[{"kind": "email", "address": "a@x.fr"}])
    assert OutgoingEvent.objects.get().data["name"] == "Ada Lovelace"
    contact_erase(tenant=tenant, contact=contact, by="test")
    assert OutgoingEvent.objects.get().data == {"erased": True}
