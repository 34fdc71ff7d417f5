"""Where an inbound message is stored: one interface, two forms.

``message_ingest`` validates a message (its channel, its sender's address), chooses its store
once (``messages.ingest_store_choose``), and asks the store to lock the sender's contact and
store the message. The forms:

- ``ingest_orm.OrmIngestStore``: the ORM form, the reference, for every case;
- ``ingest_sql.PostgresIngestStore``: the PostgreSQL form, one round trip, for the common case.

``tests/crm/test_ingest_sql.py`` drives both with the same generated traffic and compares every
row they write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from crm.models import Event, Message, Tenant


@dataclass(frozen=True)
class Sender:
    """The sender of an inbound message as stored: its identity (normalised) and profile name."""

    kind: str
    address: str
    name: str = ""


@dataclass(frozen=True)
class IngestResult:
    message: Message
    duplicate: bool
    rating: Event | None = None  # the CSAT rating this message gave, if it answered a survey
    contact_created: bool = False  # the sender's contact was created for this message
    ticket_opened: bool = False  # the message opened its ticket

    @property
    def opened(self) -> bool:
        return self.ticket_opened


class ChannelRefused(Exception):
    """The channel, not read for this message, is not the tenant's enabled channel of the kind
    the caller gave: nothing was written (the service reads the channel and answers as usual)."""


class IngestStore(Protocol):
    #: whether ``store`` checks a channel not read for this message (its tenant, that it is
    #: enabled, its kind) and raises ``ChannelRefused``; a store that does not is given read ones
    checks_channel: bool

    def store(self, *, tenant: Tenant, sender: Sender, message: Message) -> IngestResult | None:
        """One attempt, atomic on its own (a savepoint inside a caller's transaction): lock the
        sender's contact, or create it with its identity; thread the unsaved ``message`` (its
        channel, text and times set) under the contact's policy; save it with its contact and
        ticket.

        ``None``: the sender's contact was committed by another request while this attempt
        looked for it; nothing was written, and the next attempt locks that contact.
        ``IntegrityError``: nothing was written; a duplicate ``external_id``, or the sender's
        identity created at the same instant by another request (the next attempt finds it).
        """
        ...
