"""Writing one batch of checked rows, through the identity resolution live traffic uses.

A batch is written in one transaction by the caller (``service.import_run``): contacts found
by their normalised identities (an unknown address a row names is linked to the contact the
row's deciding identity found, or to a new contact), tickets threaded under each contact's
policy as replay threads (a conversation joins the thread of its key, the contact or the
contact and channel, while the gap since its last message does not exceed the tenant's episode
gap; an e-mail answering a known Message-ID joins that message's ticket), then the messages,
events and the ``ImportedRow`` keys in bulk.

Nothing here calls ``message_ingest``, ``outbound_create`` or ``event_record``: no
``outbound_queued`` or ``event_recorded`` signal is sent, no post_save either (bulk inserts),
so an imported row never enrolls a contact in a journey, never queues a send and never
notifies a webhook. Imported outbound messages are stored ``sent``, never in the outbox.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from crm.models import (
    Channel,
    Contact,
    Direction,
    Event,
    Identity,
    Message,
    MessageStatus,
    Purpose,
    Tenant,
    Ticket,
    TicketChannel,
    TicketStatus,
)
from crm.policies import policy_for_contact, tenant_policy

from .copy import bulk_insert
from .models import HistoryImport, ImportedRow
from .rows import Row

LOOKUP_CHUNK = 500
MESSAGE_FIELDS = (
    "tenant_id",
    "contact_id",
    "ticket_id",
    "channel_id",
    "direction",
    "purpose",
    "status",
    "subject",
    "text",
    "from_address",
    "to_address",
    "external_id",
    "in_reply_to",
    "metadata",
    "occurred_at",
    "sent_at",
)
EVENT_FIELDS = ("tenant_id", "contact_id", "name", "channel_id", "channel_kind", "properties", "occurred_at")
TICKET_FIELDS = (
    "tenant_id",
    "contact_id",
    "channel_id",
    "status",
    "mode",
    "subject",
    "created_at",
    "last_message_at",
    "first_response_at",
)


def _chunks(values: Iterable, size: int = LOOKUP_CHUNK):
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


class BatchWriter:
    def __init__(self, *, tenant: Tenant, history_import: HistoryImport, channels: dict[str, Channel]) -> None:
        self.tenant = tenant
        self.history_import = history_import
        self.channels = channels
        self.gap = timedelta(hours=tenant.episode_gap_hours)
        self.policy = tenant_policy(tenant)

    # -- which rows are new ---------------------------------------------------------------
    def fresh(self, rows: list[Row]) -> list[Row]:
        """The rows not imported before (by key) whose external id no stored message has."""
        known: set[str] = set()
        for chunk in _chunks({r.key for r in rows}):
            known.update(ImportedRow.objects.filter(tenant=self.tenant, key__in=chunk).values_list("key", flat=True))
        by_channel: dict[int, set[str]] = defaultdict(set)
        for r in rows:
            if r.type == "message" and r.external_id:
                by_channel[self.channels[r.channel_kind].pk].add(r.external_id)
        stored: set[tuple[int, str]] = set()
        for channel_id, ids in by_channel.items():
            for chunk in _chunks(ids):
                stored.update(
                    (channel_id, ext)
                    for ext in Message.objects.filter(
                        tenant=self.tenant, channel_id=channel_id, external_id__in=chunk
                    ).values_list("external_id", flat=True)
                )
        out, seen = [], set()
        for r in rows:
            stored_ext = r.type == "message" and (self.channels[r.channel_kind].pk, r.external_id) in stored
            if r.key in known or r.key in seen or stored_ext:
                continue
            seen.add(r.key)
            out.append(r)
        return out

    # -- writing ------------------------------------------------------------------------------
    def write(self, rows: list[Row]) -> None:
        """Write ``rows`` (already ``fresh``); the caller holds the transaction."""
        contacts = self._contacts(rows)
        tickets = self._tickets(rows, contacts)
        imported_rows = []
        messages = [self._message(r, contacts[i], tickets.get(i)) for i, r in enumerate(rows) if r.type == "message"]
        for m in messages:
            m.ticket_id = m.ticket.pk if m.ticket is not None else None
        bulk_insert(Message, messages, MESSAGE_FIELDS)
        events = [self._event(r, contacts[i]) for i, r in enumerate(rows) if r.type == "event"]
        bulk_insert(Event, events, EVENT_FIELDS)
        messages_iter, events_iter = iter(messages), iter(events)
        for r in rows:
            target = {"message": next(messages_iter)} if r.type == "message" else {"event": next(events_iter)}
            imported_rows.append(
                ImportedRow(tenant=self.tenant, key=r.key, history_import=self.history_import, **target)
            )
        bulk_insert(ImportedRow, imported_rows, ("tenant_id", "key", "history_import_id", "message_id", "event_id"))

    def _contacts(self, rows: list[Row]) -> list[int]:
        """The contact id of each row: the owner of its first known identity, else a new
        contact; its unknown identities are linked to that contact."""
        by_kind: dict[str, set[str]] = defaultdict(set)
        for r in rows:
            for kind, address in r.identities:
                by_kind[kind].add(address)
        owner: dict[tuple[str, str], int | Contact] = {}
        for kind, addresses in by_kind.items():
            for chunk in _chunks(addresses):
                owner.update(
                    ((kind, address), contact_id)
                    for address, contact_id in Identity.objects.filter(
                        tenant=self.tenant, kind=kind, address__in=chunk
                    ).values_list("address", "contact_id")
                )
        new_contacts: list[Contact] = []
        new_identities: list[tuple[str, str]] = []
        chosen: list[int | Contact] = []
        for r in rows:
            contact = next((owner[i] for i in r.identities if i in owner), None)
            if contact is None:
                contact = Contact(tenant=self.tenant, name=r.name[:200])
                new_contacts.append(contact)
            for identity in r.identities:
                if identity not in owner:
                    owner[identity] = contact
                    new_identities.append(identity)
            chosen.append(contact)
        bulk_insert(Contact, new_contacts, ("tenant_id", "name"))
        bulk_insert(
            Identity,
            [
                Identity(tenant=self.tenant, contact_id=_id(owner[(kind, address)]), kind=kind, address=address)
                for kind, address in new_identities
            ],
            ("tenant_id", "contact_id", "kind", "address"),
        )
        return [_id(c) for c in chosen]

    def _policy_of(self, contact_id: int):
        return self.policy or policy_for_contact(self.tenant, contact_id)

    def _tickets(self, rows: list[Row], contacts: list[int]) -> dict[int, Ticket]:
        """Row index -> ticket for the conversation messages of ``rows``."""
        conversation = [i for i, r in enumerate(rows) if r.type == "message" and r.purpose == Purpose.CONVERSATION]
        if not conversation:
            return {}
        since = min(rows[i].occurred_at for i in conversation) - self.gap
        latest: dict[tuple, Ticket] = {}
        for chunk in _chunks({contacts[i] for i in conversation}):
            for ticket in Ticket.objects.filter(
                tenant=self.tenant, contact_id__in=chunk, last_message_at__gte=since
            ).order_by("last_message_at", "pk"):
                latest[(ticket.contact_id,)] = ticket
                latest[(ticket.contact_id, ticket.channel_id)] = ticket
        by_message_id = self._referenced_tickets(rows)
        new: list[Ticket] = []
        touched: dict[int, Ticket] = {}
        channels_of: set[tuple[int, int]] = set()
        out: dict[int, Ticket] = {}
        for i in conversation:
            r, contact_id = rows[i], contacts[i]
            channel = self.channels[r.channel_kind]
            policy = self._policy_of(contact_id)
            key = (contact_id,) if policy.threads_across_channels else (contact_id, channel.pk)
            ticket = next((by_message_id[ref] for ref in r.references if ref in by_message_id), None)
            if ticket is None:
                ticket = latest.get(key)
                if ticket is not None and r.occurred_at - ticket.last_message_at > self.gap:
                    ticket = None
            if ticket is None and r.direction == Direction.INBOUND:
                ticket = Ticket(
                    tenant=self.tenant,
                    contact_id=contact_id,
                    channel=channel,
                    status=TicketStatus.CLOSED,
                    mode=policy.key,
                    subject=r.subject[:998],
                    created_at=r.occurred_at,
                    last_message_at=r.occurred_at,
                )
                new.append(ticket)
            if ticket is None:
                continue  # a reply to nothing the history shows
            if r.direction == Direction.OUTBOUND and ticket.first_response_at is None:
                ticket.first_response_at = r.occurred_at
            ticket.last_message_at = max(ticket.last_message_at, r.occurred_at)
            latest[key] = ticket
            if r.external_id:
                by_message_id[r.external_id] = ticket
            if ticket.pk is not None:
                touched[ticket.pk] = ticket
            out[i] = ticket
        bulk_insert(Ticket, new, TICKET_FIELDS)
        Ticket.objects.bulk_update(list(touched.values()), ["last_message_at", "first_response_at"])
        for i, ticket in out.items():
            channels_of.add((ticket.pk, self.channels[rows[i].channel_kind].pk))
        TicketChannel.objects.bulk_create(
            [TicketChannel(tenant=self.tenant, ticket_id=t, channel_id=c) for t, c in sorted(channels_of)],
            ignore_conflicts=True,
        )
        return out

    def _referenced_tickets(self, rows: list[Row]) -> dict[str, Ticket]:
        """Tickets of stored e-mails the rows answer (by Message-ID)."""
        refs = {ref for r in rows for ref in r.references}
        if not refs:
            return {}
        out: dict[str, Ticket] = {}
        for chunk in _chunks(refs):
            for message in Message.objects.filter(
                tenant=self.tenant, external_id__in=chunk, ticket__isnull=False
            ).select_related("ticket"):
                out[message.external_id] = message.ticket
        return out

    def _message(self, r: Row, contact_id: int, ticket: Ticket | None) -> Message:
        channel = self.channels[r.channel_kind]
        inbound = r.direction == Direction.INBOUND
        metadata = {"imported": self.history_import.pk}
        if r.channel_kind == "email" and r.external_id:
            metadata["message_id"] = r.external_id
        return Message(
            tenant=self.tenant,
            contact_id=contact_id,
            ticket=ticket,
            channel=channel,
            direction=r.direction,
            purpose=r.purpose,
            status=MessageStatus.RECEIVED if inbound else MessageStatus.SENT,
            subject=r.subject[:998],
            text=r.text,
            from_address=(r.from_address or ("" if inbound else channel.address))[:320],
            to_address=(r.to_address or (channel.address if inbound else ""))[:320],
            external_id=r.external_id,
            in_reply_to=(r.references[0] if r.references else "")[:998],
            metadata=metadata,
            occurred_at=r.occurred_at,
            sent_at=None if inbound else r.occurred_at,
        )

    def _event(self, r: Row, contact_id: int) -> Event:
        channel = self.channels.get(r.channel_kind) if r.channel_kind else None
        return Event(
            tenant=self.tenant,
            contact_id=contact_id,
            name=r.event_name,
            channel=channel,
            channel_kind=r.channel_kind,
            properties=r.properties,
            occurred_at=r.occurred_at,
        )


def _id(contact: int | Contact) -> int:
    return contact if isinstance(contact, int) else contact.pk
