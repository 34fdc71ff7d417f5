"""ORM form of inbound ingestion: the reference, and the form for every case the PostgreSQL form
(``ingest_sql``) does not take: SQLite, a tenant running an experiment (the policy depends on
the contact's cohort), a message with a threading hint or giving a survey rating."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django.db import transaction

from crm.models import Contact, Message, Tenant, Ticket
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
        rating, answered = self._survey_answer(message=message, contact=contact, created=created)
        if answered is not None:  # a rating joins the resolved ticket it answers, not reopened
            message.contact, message.ticket = contact, answered
            message.save(force_insert=True)
            ticket_touch(ticket=answered, channel=channel, at=message.occurred_at, inbound=False)
            from .surveys import survey_rating_record  # surveys send through messages, which imports this

            event = survey_rating_record(message=message, rating=rating, ticket_id=answered.pk)
            return IngestResult(message, False, event, contact_created=created, ticket_opened=False)
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
        return IngestResult(message, False, None, contact_created=created, ticket_opened=opened)

    def _survey_answer(self, *, message: Message, contact: Contact, created: bool) -> tuple[int | None, Ticket | None]:
        """The rating ``message`` gives and the ticket whose survey it answers (both ``None``
        unless it is a rating of a pending survey; a provider's threading hint wins)."""
        from .surveys import survey_answered, survey_rating  # surveys send through messages, which imports this

        rating = None if created or self.thread_ticket_id is not None else survey_rating(message.text)
        if rating is None:
            return None, None
        ticket_id = survey_answered(tenant_id=contact.tenant_id, contact_id=contact.pk, at=message.occurred_at)
        if ticket_id is None:
            return None, None
        return rating, Ticket.objects.filter(tenant_id=contact.tenant_id, pk=ticket_id).first()
