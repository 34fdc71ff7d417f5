"""Provider status callbacks: late, repeated and out of order, they never move a status back
and each (message, status) is applied once."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from channels_app.adapters.base import StatusEvent
from channels_app.models import StatusReceipt
from crm.models import Channel, ConsentStatus, Direction, Message, MessageStatus
from crm.services.contacts import consent_set
from crm.services.events import event_record
from crm.signals import message_status_changed

#: statuses a callback may set, and the statuses each one may replace
APPLICABLE = {
    MessageStatus.SENT: [MessageStatus.SENDING],
    MessageStatus.DELIVERED: [MessageStatus.SENDING, MessageStatus.SENT],
    MessageStatus.READ: [MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED],
    MessageStatus.FAILED: [MessageStatus.SENDING, MessageStatus.SENT],
}
TIMESTAMP_FIELD = {MessageStatus.DELIVERED: "delivered_at", MessageStatus.READ: "read_at"}
OPT_OUT_EVENTS = {"email.unsubscribed", "email.complained"}


def _apply(receipt: StatusReceipt, message: Message) -> bool:
    fields = {"status": receipt.status}
    if field := TIMESTAMP_FIELD.get(receipt.status):
        fields[field] = receipt.occurred_at
    if receipt.status == MessageStatus.FAILED:
        fields["error"] = receipt.error or f"provider reported {receipt.provider_status}"
    moved = Message.objects.filter(pk=message.pk, status__in=APPLICABLE[receipt.status]).update(**fields)
    StatusReceipt.objects.filter(pk=receipt.pk).update(message=message, applied=bool(moved))
    if moved:
        from channels_app.subscriptions.events import message_status_publish

        for name, value in fields.items():
            setattr(message, name, value)
        message_status_changed.send(sender=Message, message=message)
        message_status_publish(message=message)
    if moved and receipt.status == MessageStatus.FAILED:
        from .fallback import outbound_fallback

        message.status, message.error = MessageStatus.FAILED, fields["error"]
        outbound_fallback(message=message, reason=fields["error"])
    return bool(moved)


def _receipt(channel: Channel, event: StatusEvent) -> StatusReceipt | None:
    """The receipt for this (message, status), or None when it was already received."""
    try:
        with transaction.atomic():
            return StatusReceipt.objects.create(
                tenant_id=channel.tenant_id,
                channel=channel,
                external_id=event.external_id,
                status=event.status,
                provider_status=event.provider_status[:64],
                error=event.error[:2000],
                occurred_at=event.occurred_at or timezone.now(),
            )
    except IntegrityError:
        return None


def _customer_event(channel: Channel, message: Message, event: StatusEvent) -> None:
    """A click, open, bounce... as a customer event: on the timeline and seen by journeys."""
    key = f"{channel.pk}:{event.external_id}:{event.customer_event}:{event.properties.get('url', '')}"[:200]
    result = event_record(
        tenant=channel.tenant,
        contact=message.contact,
        name=event.customer_event,
        channel=channel,
        properties={**event.properties, "message": message.pk},
        occurred_at=event.occurred_at,
        idempotency_key=key,
    )
    if result.created and event.customer_event in OPT_OUT_EVENTS:
        consent_set(
            tenant=channel.tenant,
            contact=message.contact,
            channel_kind=channel.kind,
            status=ConsentStatus.OPTED_OUT,
            source=event.customer_event,
            source_message=message,
        )


@transaction.atomic
def status_event_apply(*, channel: Channel, event: StatusEvent) -> bool:
    """Record a status callback; False when it matched nothing and recorded nothing."""
    message = (
        Message.objects.select_related("tenant", "contact", "channel")
        .filter(
            tenant_id=channel.tenant_id, channel=channel, direction=Direction.OUTBOUND, external_id=event.external_id
        )
        .first()
        if event.external_id
        else None
    )
    if event.status in APPLICABLE and (receipt := _receipt(channel, event)) is not None and message is not None:
        _apply(receipt, message)
    if event.customer_event and message is not None:
        _customer_event(channel, message, event)
    return message is not None or (event.status in APPLICABLE and bool(event.external_id))


def status_receipts_apply_pending(*, message: Message) -> None:
    """Apply callbacks that arrived before the send stored the provider's id, in lifecycle order."""
    pending = StatusReceipt.objects.filter(channel_id=message.channel_id, external_id=message.external_id, message=None)
    for receipt in sorted(pending, key=lambda r: MessageStatus.rank(r.status)):
        _apply(receipt, message)
