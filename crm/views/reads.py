"""Reads the dashboard pages need beyond the shared selectors; each includes its joins, so
templates never query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.models import Channel, Contact, Event, Identity, Membership, Message, Mode, Tenant, Ticket
from crm.policies import policy_for_contact
from crm.policies.registry import HOLDOUT, TREATMENT, effective_mode, experiment_cohort
from crm.selectors.contacts import contact_reachable_kinds
from crm.selectors.tickets import TicketContext, ticket_list
from crm.services.sla import sla_badge

INBOX_PAGE_SIZE = 25


def inbox_page(*, tenant: Tenant, filters: dict, page: str | int | None, order: str = "") -> Page:
    """Tickets, newest activity first, or with ``order="urgency"`` by the earliest SLA due time
    not met yet (``ticket_list``'s filters: ``status=active`` is open or pending,
    ``assignee=none`` unassigned). Each ticket of the page carries its ``sla_badge``."""
    qs = ticket_list(tenant=tenant, filters=filters).select_related("contact")
    if order == "urgency":
        qs = qs.order_by(F("sla__due_at").asc(nulls_last=True), "-last_message_at", "-pk")
    found = Paginator(qs, INBOX_PAGE_SIZE).get_page(page)
    found.object_list = list(found.object_list)
    for ticket in found.object_list:
        ticket.sla_badge = sla_badge(ticket=ticket)
    return found


def is_member(*, tenant: Tenant, user) -> bool:
    return Membership.objects.filter(tenant=tenant, user=user).exists()


def tenant_channels(*, tenant: Tenant) -> list[Channel]:
    return list(Channel.objects.filter(tenant=tenant).order_by("kind", "pk"))


def reply_channels(*, tenant: Tenant, ticket: Ticket) -> list[Channel]:
    """The enabled channels the contact's policy allows a reply on, for the reply form."""
    policy = policy_for_contact(tenant, ticket.contact_id)
    reachable = contact_reachable_kinds(tenant=tenant, contact_id=ticket.contact_id)
    candidates = Channel.objects.filter(tenant=tenant, enabled=True).order_by("kind", "pk")
    return [c for c in candidates if policy.reply_channel_allowed(ticket=ticket, channel=c, reachable_kinds=reachable)]


POLICY_NOTES = {
    Mode.MULTICHANNEL: _("Multichannel policy: only the messages of this ticket's channel."),
    Mode.CROSSCHANNEL: _("Cross-channel policy: this ticket and its linked tickets on other channels."),
    Mode.OMNICHANNEL: _("Omnichannel policy: the customer's whole timeline, every channel and event."),
}


@dataclass(frozen=True)
class ContextItem:
    """One line of the agent context: a message or an event."""

    occurred_at: datetime
    message: Message | None = None
    event: Event | None = None


def context_items(context: TicketContext) -> list[ContextItem]:
    items = [ContextItem(m.occurred_at, message=m) for m in context.messages]
    items += [ContextItem(e.occurred_at, event=e) for e in context.events]
    return sorted(items, key=lambda i: (i.occurred_at, i.event is not None))


def contact_tickets(*, tenant: Tenant, contact: Contact) -> list[Ticket]:
    return list(ticket_list(tenant=tenant, filters={"contact": contact.pk}))


@dataclass(frozen=True)
class ContactMode:
    mode: str
    cohort: str | None

    @property
    def mode_label(self) -> str:
        return Mode(self.mode).label

    @property
    def cohort_label(self) -> str:
        return {HOLDOUT: _("holdout"), TREATMENT: _("treatment")}.get(self.cohort, self.cohort or "")


def contact_mode(*, tenant: Tenant, contact: Contact) -> ContactMode:
    return ContactMode(effective_mode(tenant, contact.pk), experiment_cohort(tenant, contact.pk))


def contact_search(*, tenant: Tenant, query: str, page: str | int | None) -> Page:
    """Contacts by name or identity address (case-insensitive), newest first."""
    qs = Contact.objects.filter(tenant=tenant).prefetch_related("identities").order_by("-pk")
    if query:
        matching = Identity.objects.filter(tenant=tenant, address__icontains=query).values("contact_id")
        qs = qs.filter(Q(name__icontains=query) | Q(pk__in=matching))
    return Paginator(qs, INBOX_PAGE_SIZE).get_page(page)
