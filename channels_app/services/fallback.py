"""Omnichannel fallback: a message that cannot go out on its channel is tried on the next
channel of the tenant's fallback order, as a new outbound message linked to the first."""

from __future__ import annotations

from django.db import transaction

from crm.errors import ApplicationError
from crm.models import Channel, Consent, ConsentStatus, Message, Purpose
from crm.policies import policy_for_contact
from crm.services.messages import contact_address_for, outbound_create

MAX_CHAIN = 10


def _tried_kinds(message: Message) -> set[str]:
    kinds, current, hops = set(), message, 0
    while current is not None and hops < MAX_CHAIN:
        kinds.add(current.channel.kind)
        current, hops = current.parent, hops + 1
    return kinds


def _next_channel(message: Message) -> Channel | None:
    order = list(message.tenant.fallback_order or [])
    kind = message.channel.kind
    tried = _tried_kinds(message)
    opted_out = set(
        Consent.objects.filter(
            tenant_id=message.tenant_id, contact_id=message.contact_id, status=ConsentStatus.OPTED_OUT
        ).values_list("channel_kind", flat=True)
    )
    for candidate in order[order.index(kind) + 1 :] if kind in order else order:
        if candidate in tried or (message.purpose == Purpose.MARKETING and candidate in opted_out):
            continue
        channel = (
            Channel.objects.filter(tenant_id=message.tenant_id, kind=candidate, enabled=True).order_by("pk").first()
        )
        if channel and contact_address_for(tenant=message.tenant, contact=message.contact, channel=channel):
            return channel
    return None


@transaction.atomic
def outbound_fallback(*, message: Message, reason: str) -> Message | None:
    """The fallback message for a failed one, or None (policy does not fall back, or no channel)."""
    if not policy_for_contact(message.tenant, message.contact_id).falls_back:
        return None
    if Message.objects.filter(parent=message).exists():
        return None
    channel = _next_channel(message)
    if channel is None:
        return None
    try:
        return outbound_create(
            tenant=message.tenant,
            contact=message.contact,
            channel=channel,
            text=message.text,
            purpose=message.purpose,
            subject=message.subject,
            ticket=message.ticket,
            author=message.author,
            parent=message,
            metadata={"fallback_from": message.pk, "fallback_reason": reason[:500]},
        )
    except ApplicationError:
        return None
