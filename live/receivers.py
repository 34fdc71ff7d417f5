"""crm's signals, turned into events for the agents' pages (published on commit).

The receivers read only the ids the signal's row carries: they add no query to ingestion,
replies or deliveries.
"""

from __future__ import annotations

from crm.models import Message, Ticket
from crm.signals import message_status_changed, message_stored, note_added, outbound_queued, ticket_changed

from .publish import publish_tenant, publish_user


def _message_event(kind: str, message: Message) -> dict:
    return {
        "type": kind,
        "ticket": message.ticket_id,
        "contact": message.contact_id,
        "message": message.pk,
        "status": message.status,
    }


def on_message_stored(sender, *, message: Message, **kwargs) -> None:
    publish_tenant(message.tenant_id, _message_event("message.created", message))


def on_outbound_queued(sender, *, message: Message, **kwargs) -> None:
    publish_tenant(message.tenant_id, _message_event("message.created", message))


def on_status_changed(sender, *, message: Message, **kwargs) -> None:
    publish_tenant(message.tenant_id, _message_event("message.status", message))


def on_ticket_changed(sender, *, ticket: Ticket, **kwargs) -> None:
    event = {
        "type": "ticket.updated",
        "ticket": ticket.pk,
        "contact": ticket.contact_id,
        "status": ticket.status,
        "assignee": ticket.assignee_id,
    }
    publish_tenant(ticket.tenant_id, event)


def on_note_added(sender, *, note, mentioned: list[int], **kwargs) -> None:
    ticket = {"ticket": note.ticket_id, "note": note.pk}
    publish_tenant(note.tenant_id, {"type": "note.created", **ticket})
    for user_id in mentioned:
        publish_user(note.tenant_id, user_id, {"type": "mention", "by": note.author, **ticket})


def connect() -> None:
    from crm.models import TicketNote

    message_stored.connect(on_message_stored, sender=Message, dispatch_uid="live.message_stored")
    outbound_queued.connect(on_outbound_queued, sender=Message, dispatch_uid="live.outbound_queued")
    message_status_changed.connect(on_status_changed, sender=Message, dispatch_uid="live.message_status")
    ticket_changed.connect(on_ticket_changed, sender=Ticket, dispatch_uid="live.ticket_changed")
    note_added.connect(on_note_added, sender=TicketNote, dispatch_uid="live.note_added")
