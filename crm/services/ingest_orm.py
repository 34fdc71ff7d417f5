"""ORM form of inbound ingestion: the reference, and the form for every case the PostgreSQL form
(``ingest_sql``) does not take: SQLite, a tenant running an experiment (the policy depends on
the contact's cohort), a message with a threading hint or giving a survey rating."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django.db import transaction

from crm.models import Contact, Message, Tenant
from crm.policies import policy_for_contact

from .contacts import contact_create_with_identity
from .ingest_store import IngestResult, Sender
from .locks import lock_contact_by_identity
from .tickets import ticket_for_inbound, ticket_touch


@dataclass(frozen=True)
class OrmIngestStore:
    """``IngestStore`` through the ORM: five to nine queries per message."""

    thread_ticket_id: int | None = None  # a ticket the provider's threading points at
    checks_channel: ClassVar[bool] = False

    def store(self, *, tenant: Tenant, sender: Sender, message: Message) -> IngestResult:
        with transaction.atomic():
            return self._store_locked(tenant=tenant, sender=sender, message=message)

    def _store_locked(self, *, tenant: Tenant, sender: Sender, message: Message) -> IngestResult:
        """Assumes an open transaction, rolled back whole if the message turns out a duplicate.

        Locks the sender's contact (or creates it: no one else sees it before commit), then
        threads and stores the message.
        """
        kind, address, name = sender.kind, sender.address, sender.name
        contact, created = lock_contact_by_identity(tenant=tenant, kind=kind, address=address), False
        if contact is None:
            contact, created = contact_create_with_identity(tenant=tenant, kind=kind, address=address, name=name), True
        if name and not contact.name:
            Contact.objects.filter(pk=contact.pk).update(name=name)
        channel = message.channel
        ticket, opened = ticket_for_inbound(
            tenant=tenant,
            policy=policy_for_contact(tenant, contact.pk),
            contact=contact,
            channel=channel,
            occurred_at=message.occurred_at,
            subject=message.subject or message.text[:80],
            thread_ticket_id=self.thread_ticket_id,
            contact_is_new=created,
        )
        message.contact, message.ticket = contact, ticket
        message.save(force_insert=True)
        if not opened:  # a ticket opened for this message already has its channel and time
            ticket_touch(ticket=ticket, channel=channel, at=message.occurred_at, inbound=True)
        from .surveys import survey_reply_capture  # surveys send through messages, which imports this

        return IngestResult(message, False, survey_reply_capture(message=message), opened)
