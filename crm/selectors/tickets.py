from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from crm.filters import TicketFilter, filtered
from crm.models import Channel, Event, Message, Tenant, Ticket, TicketLink
from crm.policies import policy_for_contact

from .attachments import attachments_prefetch
from .scoping import get_scoped

CONTEXT_LIMIT = 200


def _tickets(tenant: Tenant) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(tenant=tenant)
        .select_related("channel", "assignee", "sla")
        .prefetch_related(
            Prefetch("channels", queryset=Channel.objects.order_by("pk")),
            Prefetch("linked", queryset=Ticket.objects.order_by("pk").only("pk")),
        )
    )


def ticket_list(*, tenant: Tenant, filters: dict | None = None) -> QuerySet[Ticket]:
    """Newest activity first; ``filters`` as ``crm.filters.TicketFilter`` takes them (``contact``,
    ``channel``, ``status`` (or ``active``), ``mode``, ``assignee`` (or ``none``))."""
    return filtered(TicketFilter, filters, _tickets(tenant).order_by("-last_message_at", "-pk"))


def ticket_get(*, tenant: Tenant, pk) -> Ticket:
    return get_scoped(_tickets(tenant), tenant=tenant, pk=pk)


def ticket_messages(*, tenant: Tenant, ticket: Ticket) -> QuerySet[Message]:
    return (
        Message.objects.filter(tenant=tenant, ticket=ticket)
        .select_related("channel")
        .prefetch_related(attachments_prefetch())
        .order_by("occurred_at", "pk")
    )


def message_get(*, tenant: Tenant, pk) -> Message:
    return get_scoped(
        Message.objects.select_related("channel").prefetch_related(attachments_prefetch()), tenant=tenant, pk=pk
    )


@dataclass(frozen=True)
class TicketContext:
    mode: str
    messages: list[Message]
    events: list[Event]
    linked_tickets: list[int]


def ticket_context(*, tenant: Tenant, ticket: Ticket, limit: int = CONTEXT_LIMIT) -> TicketContext:
    """What the agent handling ``ticket`` may see under the contact's effective policy:
    the newest ``limit`` messages (and events), returned oldest first. Constant query count."""
    policy = policy_for_contact(tenant, ticket.contact_id)
    linked = list(
        TicketLink.objects.filter(tenant=tenant, from_ticket=ticket)
        .order_by("to_ticket_id")
        .values_list("to_ticket_id", flat=True)
    )
    messages = list(
        Message.objects.filter(policy.context_messages(ticket=ticket, linked_ids=linked), tenant=tenant)
        .select_related("channel")
        .prefetch_related(attachments_prefetch())
        .order_by("-occurred_at", "-pk")[:limit]
    )
    events: list[Event] = []
    if policy.context_includes_events():
        events = list(
            Event.objects.filter(tenant=tenant, contact_id=ticket.contact_id)
            .select_related("channel")
            .order_by("-occurred_at", "-pk")[:limit]
        )
    return TicketContext(policy.key, messages[::-1], events[::-1], linked)
