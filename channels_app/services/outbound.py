"""Outbound delivery: the outbox row is the message itself (status ``queued``); delivery is
an id-only task that claims the row, calls the provider and records the result."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from channels_app.adapters.registry import registry
from channels_app.errors import PermanentProviderError
from crm.models import Message, MessageStatus


def outbound_enqueue(message: Message) -> None:
    from channels_app.tasks import outbound_message_deliver

    transaction.on_commit(lambda: outbound_message_deliver.delay(message.pk))


def _claim(message_id: int) -> Message | None:
    """Move a queued message to ``sending``; only one caller can win the claim."""
    claimed = Message.objects.filter(pk=message_id, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENDING, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return Message.objects.select_related("channel").get(pk=message_id)


def outbound_deliver(*, message_id: int) -> Message | None:
    """Deliver one queued message through its channel's provider; ``None`` if not queued."""
    message = _claim(message_id)
    if message is None:
        return None
    adapter = registry.get(message.channel.provider)
    try:
        result = adapter.send(channel=message.channel, message=message)
    except PermanentProviderError as exc:
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED, error=str(exc)[:2000])
        message.status, message.error = MessageStatus.FAILED, str(exc)
        return message
    fields = {"status": MessageStatus.SENT, "sent_at": timezone.now(), "external_id": result.external_id}
    Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(**fields)
    for name, value in fields.items():
        setattr(message, name, value)
    return message
