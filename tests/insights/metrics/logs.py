"""Builders of hand-written interaction logs: rows written directly, times given exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm.models import Contact, Event, Identity, Message, Ticket

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(hours: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(hours=hours, seconds=seconds)


def contact(tenant, name: str = "", email: str | None = None, phone: str | None = None) -> Contact:
    c = Contact.objects.create(tenant=tenant, name=name)
    if email:
        Identity.objects.create(tenant=tenant, contact=c, kind="email", address=email)
    if phone:
        Identity.objects.create(tenant=tenant, contact=c, kind="phone", address=phone)
    return c


def ticket(tenant, c, channel, when, mode="multichannel", **extra) -> Ticket:
    return Ticket.objects.create(
        tenant=tenant, contact=c, channel=channel, mode=mode, created_at=when, last_message_at=when, **extra
    )


def inbound(tenant, c, channel, when, ticket_=None, text="hello") -> Message:
    return Message.objects.create(
        tenant=tenant,
        contact=c,
        channel=channel,
        ticket=ticket_,
        direction="inbound",
        purpose="conversation",
        status="received",
        text=text,
        occurred_at=when,
    )


def outbound(tenant, c, channel, when, ticket_=None, purpose="conversation", author="agent") -> Message:
    return Message.objects.create(
        tenant=tenant,
        contact=c,
        channel=channel,
        ticket=ticket_,
        direction="outbound",
        purpose=purpose,
        status="sent",
        text="reply",
        occurred_at=when,
        author=author if purpose == "conversation" else "",
    )


def event(tenant, c, name, when, channel=None, **properties) -> Event:
    return Event.objects.create(
        tenant=tenant,
        contact=c,
        name=name,
        channel=channel,
        channel_kind=channel.kind if channel else "",
        occurred_at=when,
        properties=properties,
    )
