"""Reads the dashboard pages need beyond the shared selectors; each includes its joins, so
templates never query."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import F, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from crm.errors import ApplicationError
from crm.models import (
    Channel,
    ChannelKind,
    Contact,
    Event,
    Identity,
    Membership,
    Message,
    Mode,
    Tenant,
    Ticket,
    TicketNote,
)
from crm.policies import policy_for_contact
from crm.policies.registry import HOLDOUT, TREATMENT, effective_mode, experiment_cohort
from crm.providers import provider_get
from crm.selectors.contacts import contact_reachable_kinds
from crm.selectors.tickets import TicketContext, ticket_list
from crm.services.addresses import IDENTITY_KIND_FOR_CHANNEL, normalize_address
from crm.services.messages import session_open
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
    candidates = (
        Channel.objects.filter(tenant=tenant, enabled=True).exclude(kind__in=NOT_REPLYABLE).order_by("kind", "pk")
    )
    return [c for c in candidates if policy.reply_channel_allowed(ticket=ticket, channel=c, reachable_kinds=reachable)]


def reply_templates(*, tenant: Tenant, ticket: Ticket, channels: list[Channel]) -> list[tuple[str, str]]:
    """For the reply form: ``(value, label)`` of the approved templates of those ``channels``
    whose customer-care window is closed (a plain reply there is refused)."""
    choices = []
    for channel in channels:
        provider = provider_get(channel.provider)
        if session_open(tenant=tenant, contact_id=ticket.contact_id, channel=channel):
            continue
        for name, language, body in provider.templates_approved(channel=channel):
            choices.append((f"{channel.pk}:{language}:{name}", f"{channel.name}: {name} ({language}) {body[:80]}"))
    return choices


POLICY_NOTES = {
    Mode.MULTICHANNEL: _("Multichannel policy: only the messages of this ticket's channel."),
    Mode.CROSSCHANNEL: _("Cross-channel policy: this ticket and its linked tickets on other channels."),
    Mode.OMNICHANNEL: _("Omnichannel policy: the customer's whole timeline, every channel and event."),
}


@dataclass(frozen=True)
class ContextItem:
    """One line of the agent context: a message (with its author's readable name) or an event."""

    occurred_at: datetime
    message: Message | None = None
    event: Event | None = None
    note: TicketNote | None = None  # an internal note, between agents
    author: str = ""


def context_items(context: TicketContext, notes: list[TicketNote] = ()) -> list[ContextItem]:
    names = author_names({m.author for m in context.messages})
    items = [ContextItem(m.occurred_at, message=m, author=names.get(m.author, "")) for m in context.messages]
    items += [ContextItem(e.occurred_at, event=e) for e in context.events]
    items += [ContextItem(n.created_at, note=n) for n in notes]
    return sorted(items, key=lambda i: (i.occurred_at, i.event is not None))


def author_names(authors: set[str]) -> dict[str, str]:
    """Readable names of recorded authors (``staff:<username>``, ``api-key:<prefix> (<label>)``,
    a command's name): a staff member's full name, an API key's label; one query at most."""
    usernames = {a.removeprefix("staff:") for a in authors if a.startswith("staff:")}
    users = get_user_model().objects.filter(username__in=usernames) if usernames else []
    full = {u.get_username(): u.get_full_name() or u.get_username() for u in users}
    names = {}
    for author in authors:
        if author.startswith("staff:"):
            names[author] = full.get(author.removeprefix("staff:"), author.removeprefix("staff:"))
        elif author.startswith("api-key:"):
            prefix, _sep, label = author.removeprefix("api-key:").partition(" (")
            names[author] = _("%(label)s (API)") % {"label": label.rstrip(")") or prefix}
        elif author.startswith("journey"):
            names[author] = _("Journey")
        else:
            names[author] = author
    return names


#: channel kinds no reply can go out on (a visit in a shop is recorded, not answered)
NOT_REPLYABLE = {"store"}


def visible_identities(*, contact: Contact, mode: str, channel: Channel) -> list[Identity]:
    """The contact's identities an agent of this ticket sees: under multichannel only the
    ticket's channel's own (the silo is what is measured), every one otherwise."""
    identities = list(contact.identities.all())
    if mode != Mode.MULTICHANNEL:
        return identities
    kind = IDENTITY_KIND_FOR_CHANNEL.get(channel.kind)
    return [i for i in identities if i.kind == kind]


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
    """Contacts by name or identity address (case-insensitive), a phone number also as written
    in the tenant's region (``06 10 00 00 18``), newest first; each with ``first_seen``, the time
    of its first message or event (its first interaction, not the day it was recorded)."""
    first_message = Message.objects.filter(contact_id=OuterRef("pk")).order_by("occurred_at").values("occurred_at")[:1]
    first_event = Event.objects.filter(contact_id=OuterRef("pk")).order_by("occurred_at").values("occurred_at")[:1]
    qs = (
        Contact.objects.filter(tenant=tenant)
        .prefetch_related("identities")
        .annotate(first_message_at=Subquery(first_message), first_event_at=Subquery(first_event))
        .order_by("-pk")
    )
    if query:
        addresses = Q(address__icontains=query)
        if (phone := phone_in_region(query, tenant.default_region)) is not None:
            addresses |= Q(address=phone)
        matching = Identity.objects.filter(addresses, tenant=tenant).values("contact_id")
        qs = qs.filter(Q(name__icontains=query) | Q(pk__in=matching))
    return Paginator(qs, INBOX_PAGE_SIZE).get_page(page)


PHONE_LIKE = re.compile(r"^\+?[\d\s().\-]{6,}$")


def phone_in_region(query: str, region: str) -> str | None:
    """``query`` as a stored phone number (E.164) when it reads as one in ``region``."""
    if not PHONE_LIKE.match(query):
        return None
    try:
        return normalize_address("phone", query, region=region)
    except ApplicationError:
        return None


def possible_duplicates(*, tenant: Tenant, contact: Contact, limit: int = 5) -> list[Contact]:
    """Other customers who may be the same person: the same name (case-insensitive), or an
    e-mail address with the same local part (``anne.martin@`` at another provider)."""
    if contact.erased_at:
        return []
    same = Q(name__iexact=contact.name) if contact.name.strip() else Q(pk__in=[])
    locals_ = {i.address.split("@", 1)[0] for i in contact.identities.all() if i.kind == "email"}
    for local in locals_:
        same |= Q(identities__kind="email", identities__address__startswith=f"{local}@")
    found = Contact.objects.filter(same, tenant=tenant, erased_at__isnull=True).exclude(pk=contact.pk)
    return list(found.distinct().prefetch_related("identities").order_by("pk")[:limit])


@dataclass(frozen=True)
class ConsentRow:
    channel_kind: str
    consent: object | None  # the Consent recorded, if any

    @property
    def label(self) -> str:
        return ChannelKind(self.channel_kind).label


def consent_rows(*, tenant: Tenant, contact: Contact, identities: list[Identity], consents: list) -> list[ConsentRow]:
    """One row per channel kind the tenant has and the customer can be reached on, with the
    consent recorded there (``None``: no choice recorded: marketing goes out until they opt
    out), plus kinds with a recorded consent."""
    recorded = {c.channel_kind: c for c in consents}
    identity_kinds = {i.kind for i in identities}
    kinds = set(Channel.objects.filter(tenant=tenant).exclude(kind__in=NOT_REPLYABLE).values_list("kind", flat=True))
    reachable = {k for k in kinds if IDENTITY_KIND_FOR_CHANNEL.get(k) in identity_kinds}
    return [ConsentRow(k, recorded.get(k)) for k in sorted(reachable | set(recorded))]
