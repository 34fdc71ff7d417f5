"""Customer events: recorded once per idempotency key, then applied to the contact's journeys."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction

from crm.errors import ApplicationError
from crm.models import Channel, Contact, Event, Tenant
from crm.signals import collected, event_recorded

from .changes import EVENT_CREATED, change_publish
from .clock import clamped_with_given

MAX_NAME_LENGTH = 100
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class EventRecordResult:
    event: Event
    created: bool
    #: ids of the journeys the contact entered because of this event
    enrolled: list[int] = field(default_factory=list)


def _check(*, tenant: Tenant, contact: Contact, name: str, channel: Channel | None, properties, key) -> None:
    if contact.tenant_id != tenant.pk:
        raise ApplicationError("Unknown contact.", {"contact": ["unknown contact"]})
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
        raise ApplicationError("An event needs a name of 1 to 100 characters.", {"name": ["1 to 100 characters"]})
    if channel is not None and channel.tenant_id != tenant.pk:
        raise ApplicationError("Unknown channel.", {"channel": ["unknown channel"]})
    if not isinstance(properties, dict):
        raise ApplicationError("Properties must be an object.", {"properties": ["must be an object"]})
    if key is not None and (not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH):
        raise ApplicationError("Bad idempotency key.", {"idempotency_key": ["1 to 200 characters"]})


def _existing(tenant: Tenant, key: str | None) -> Event | None:
    if key is None:
        return None
    return Event.objects.filter(tenant=tenant, idempotency_key=key).first()


@transaction.atomic
def event_record(
    *,
    tenant: Tenant,
    contact: Contact,
    name: str,
    channel: Channel | None = None,
    properties: dict | None = None,
    occurred_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> EventRecordResult:
    """Record a customer event on the contact's timeline and apply it to journeys.

    The same ``idempotency_key`` again returns the stored event (``created=False``) and applies
    nothing twice. Entering journeys, goals and wake-ups happen in the same transaction.
    """
    properties = {} if properties is None else properties
    _check(tenant=tenant, contact=contact, name=name, channel=channel, properties=properties, key=idempotency_key)
    if (existing := _existing(tenant, idempotency_key)) is not None:
        return EventRecordResult(existing, False)
    occurred_at, properties = clamped_with_given(occurred_at, properties)
    try:
        with transaction.atomic():
            event = Event.objects.create(
                tenant=tenant,
                contact=contact,
                name=name.strip(),
                channel=channel,
                channel_kind=channel.kind if channel else "",
                properties=properties,
                occurred_at=occurred_at,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        return EventRecordResult(Event.objects.get(tenant=tenant, idempotency_key=idempotency_key), False)
    event.tenant, event.contact = tenant, contact
    entered = collected(event_recorded.send(sender=Event, event=event))
    change_publish(tenant=tenant, change=EVENT_CREATED, instance=event, contact_id=contact.pk)
    return EventRecordResult(event, True, [journey_id for ids in entered for journey_id in ids])
