"""The event rows: written by the receiver of ``crm.signals.change_published``, inside the
transaction of the change, one ``OutgoingEvent`` and one ``EventDelivery`` per subscription
listening to its type; their delivery is enqueued once that transaction commits.

Order per contact: the rows of one contact are written under a lock of that contact held to
the end of the transaction (on PostgreSQL a transaction-level advisory lock; SQLite writes one
transaction at a time anyway), so their ids follow the order in which the changes commit, and
the deliveries of one contact go out in id order (``delivery.delivery_claim``).
"""

from __future__ import annotations

import json
from functools import partial

from django.db import connection, transaction
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from crm.models import Channel, Event, Message, Tenant
from crm.services.changes import CHANGE_TYPES, MESSAGE_STATUS, change_subscribed

from .models import EventDelivery, OutgoingEvent, WebhookSubscription

#: the first key of the advisory locks that order one contact's events (the second: its id)
ORDER_LOCK_NAMESPACE = 0x5EB0


def change_data(instance) -> dict:
    """``data`` of the event: the object as the REST API shows it (api.md)."""
    from crm.api.contacts import ContactOutputSerializer
    from crm.api.fields import MessageOutputSerializer, TicketOutputSerializer

    if isinstance(instance, Message):
        data = MessageOutputSerializer(instance).data
    elif isinstance(instance, Event):
        data = {
            "id": instance.pk,
            "contact": instance.contact_id,
            "name": instance.name,
            "channel": instance.channel_id,
            "channel_kind": instance.channel_kind,
            "properties": instance.properties,
            "occurred_at": instance.occurred_at,
        }
    elif instance._meta.model_name == "ticket":
        data = TicketOutputSerializer(instance).data
    else:
        data = ContactOutputSerializer(instance).data
    # JSON as the API writes it (dates in ISO 8601), stored as such
    return json.loads(json.dumps(data, cls=JSONEncoder))


def _order_lock(contact_id: int | None) -> None:
    if contact_id is not None and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ORDER_LOCK_NAMESPACE, contact_id % 2**31])


def event_record(*, tenant: Tenant, change: str, instance, contact_id: int | None) -> OutgoingEvent | None:
    """Write the event of ``change`` and a delivery for each active subscription listening to
    it; enqueue them on commit. None when no subscription listens (nothing written)."""
    assert change in CHANGE_TYPES, change
    active = WebhookSubscription.objects.filter(tenant=tenant, active=True).only("pk", "events")  # not the secret
    subscriptions = [s for s in active if change in (s.events or ())]
    if not subscriptions:
        return None
    _order_lock(contact_id)
    now = timezone.now()
    event = OutgoingEvent.objects.create(
        tenant=tenant, type=change, contact_id=contact_id, data=change_data(instance), created_at=now
    )
    deliveries = EventDelivery.objects.bulk_create(
        EventDelivery(tenant=tenant, event=event, subscription=s, contact_id=contact_id, created_at=now)
        for s in subscriptions
    )
    transaction.on_commit(partial(_enqueue, [d.pk for d in deliveries if d.pk is not None] or None, event.pk))
    return event


def _enqueue(delivery_ids: list[int] | None, event_id: int) -> None:
    from .delivery import deliveries_enqueue

    if delivery_ids is None:  # a database that returns no ids from a bulk insert
        delivery_ids = list(EventDelivery.objects.filter(event_id=event_id).values_list("pk", flat=True))
    deliveries_enqueue(delivery_ids)


def on_change_published(sender, *, tenant, change, instance, contact_id=None, imported=False, **kwargs) -> None:
    """Receiver of ``crm.signals.change_published``: imported history is never published."""
    if imported or kwargs.get("imported"):
        return
    event_record(tenant=tenant, change=change, instance=instance, contact_id=contact_id)


def _tenant_of(message: Message) -> Tenant:
    """The message's tenant as already loaded with it or its channel, else read."""
    if Message.tenant.is_cached(message):
        return message.tenant
    if Message.channel.is_cached(message) and Channel.tenant.is_cached(message.channel):
        return message.channel.tenant
    return Tenant.objects.get(pk=message.tenant_id)


def message_status_publish(*, message: Message) -> None:
    """``message.status`` for a message whose status just changed (provider callbacks, a failed
    delivery); call it inside the transaction that changed it."""
    tenant = _tenant_of(message)
    if change_subscribed(tenant=tenant, change=MESSAGE_STATUS):
        event_record(tenant=tenant, change=MESSAGE_STATUS, instance=message, contact_id=message.contact_id)


def outgoing_events_erase(*, tenant: Tenant, contact) -> int:
    """Right to erasure: the stored events of the contact keep their type and id, not their data
    (one still waiting to be delivered goes out as ``{"erased": true}``)."""
    return OutgoingEvent.objects.filter(tenant=tenant, contact_id=contact.pk).update(data={"erased": True})
