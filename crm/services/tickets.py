"""Writes on tickets: which ticket an inbound message joins, status changes, links."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from crm.errors import ApplicationError
from crm.models import Channel, Contact, Tenant, Ticket, TicketChannel, TicketLink, TicketStatus
from crm.policies import Policy
from crm.signals import ticket_changed

from .assignment import opened_assignee
from .changes import TICKET_UPDATED, change_publish
from .sla import sla_after_status

#: a customer's message reopens a ticket in one of these statuses (``ingest_sql`` too)
REOPENED_BY_CUSTOMER = (TicketStatus.PENDING, TicketStatus.RESOLVED)


def ticket_for_inbound(
    *,
    tenant: Tenant,
    policy: Policy,
    contact: Contact,
    channel: Channel,
    occurred_at: datetime,
    subject: str = "",
    thread_ticket_id: int | None = None,
    contact_is_new: bool = False,
) -> tuple[Ticket, bool]:
    """The ticket an inbound message joins under ``policy``, opened (and linked) if none.

    Assumes the caller holds the contact's row lock, so two messages of one contact
    arriving together choose the same ticket. ``contact_is_new``: the contact was created in
    this transaction, so it has no ticket to join or link (no query to find one).
    """
    if contact_is_new:
        return _ticket_open(
            tenant=tenant, policy=policy, contact=contact, channel=channel, at=occurred_at, subject=subject
        ), True
    if thread_ticket_id is not None:
        hinted = Ticket.objects.filter(tenant=tenant, contact=contact, pk=thread_ticket_id).first()
        if hinted is not None and policy.may_join(ticket=hinted, channel=channel):
            return hinted, False
    # Built in one filter() call: this lookup runs for every inbound message.
    active = {"tenant_id": tenant.pk, "contact_id": contact.pk, "status__in": TicketStatus.active()}
    if not policy.threads_across_channels:
        active["channel_id"] = channel.pk
    ticket = Ticket.objects.filter(**active).order_by("-last_message_at", "-pk").first()
    if ticket is not None:
        return ticket, False
    ticket = _ticket_open(
        tenant=tenant, policy=policy, contact=contact, channel=channel, at=occurred_at, subject=subject
    )
    if policy.links_new_tickets:
        others = list(
            Ticket.objects.filter(tenant=tenant, contact=contact, status__in=TicketStatus.active())
            .exclude(pk=ticket.pk)
            .values_list("pk", flat=True)
        )
        ticket_link(tenant=tenant, ticket_id=ticket.pk, other_ids=others)
    return ticket, True


def _ticket_open(
    *, tenant: Tenant, policy: Policy, contact: Contact, channel: Channel, at: datetime, subject: str
) -> Ticket:
    """A new open ticket on ``channel``, with its first channel recorded: a ticket's own
    channel is always among its channels (``ticket_touch`` relies on it). Its assignee is the
    rule's of the channel's team, if it has one (``crm.services.assignment``)."""
    ticket = Ticket.objects.create(
        tenant=tenant,
        contact=contact,
        channel=channel,
        assignee_id=opened_assignee(tenant=tenant, channel=channel),
        mode=policy.key,
        subject=subject[:998],
        created_at=at,
        last_message_at=at,
    )
    TicketChannel.objects.create(tenant=tenant, ticket=ticket, channel=channel)
    return ticket


def ticket_link(*, tenant: Tenant, ticket_id: int, other_ids: list[int]) -> None:
    rows = []
    for other in other_ids:
        rows.append(TicketLink(tenant=tenant, from_ticket_id=ticket_id, to_ticket_id=other))
        rows.append(TicketLink(tenant=tenant, from_ticket_id=other, to_ticket_id=ticket_id))
    TicketLink.objects.bulk_create(rows, ignore_conflicts=True)


def ticket_touch(*, ticket: Ticket, channel: Channel, at: datetime, inbound: bool) -> None:
    """Record activity on a ticket: its channels, its last message time; a customer message
    reopens a pending or resolved ticket it joins.

    The ticket's own channel is among its channels from the start (``_ticket_open``); another
    channel is added if missing, in one statement.
    """
    if channel.pk != ticket.channel_id:
        TicketChannel.objects.bulk_create(
            [TicketChannel(tenant_id=ticket.tenant_id, ticket=ticket, channel=channel)], ignore_conflicts=True
        )
    fields = {"last_message_at": max(ticket.last_message_at, at), "updated_at": timezone.now()}
    if inbound and ticket.status in REOPENED_BY_CUSTOMER:
        fields.update(status=TicketStatus.OPEN, resolved_at=None)
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    for name, value in fields.items():
        setattr(ticket, name, value)


ALLOWED_TRANSITIONS = {
    TicketStatus.OPEN: {TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED},
    TicketStatus.PENDING: {TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED},
    TicketStatus.RESOLVED: {TicketStatus.OPEN, TicketStatus.CLOSED},
    TicketStatus.CLOSED: {TicketStatus.OPEN},
}


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    status: str | None = None,
    assignee=None,
    assignee_set: bool = False,
    priority: int | None = None,
    at: datetime | None = None,
    survey: bool = False,
) -> Ticket:
    """Change status, assignee or priority. With ``survey``, a ticket that becomes resolved gets
    its CSAT survey (staff resolutions ask; system resolutions do not)."""
    at = at or timezone.now()
    resolving = status == TicketStatus.RESOLVED and ticket.status != TicketStatus.RESOLVED
    if status is not None and status != ticket.status:
        if status not in ALLOWED_TRANSITIONS[ticket.status]:
            raise ApplicationError(
                f"A {ticket.status} ticket cannot become {status}.", {"status": [f"not allowed from {ticket.status}"]}
            )
        if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and ticket.resolved_at is None:
            ticket.resolved_at = at
        if status == TicketStatus.OPEN:
            ticket.resolved_at = None
        ticket.status = status
    if assignee_set:
        ticket.assignee = assignee
    if priority is not None:
        ticket.priority = priority
    ticket.save()
    ticket_changed.send(sender=Ticket, ticket=ticket)
    change_publish(tenant=ticket.tenant, change=TICKET_UPDATED, instance=ticket, contact_id=ticket.contact_id)
    if status is not None:
        sla_after_status(tenant=ticket.tenant, ticket=ticket, at=at)
    if survey and resolving:
        from .surveys import survey_send  # surveys build on this module

        survey_send(tenant=ticket.tenant, ticket=ticket, at=at)
    return ticket
