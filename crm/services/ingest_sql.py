"""PostgreSQL form of inbound ingestion: one round trip where the ORM form takes up to nine.

Ingestion runs for every message every provider sends, and on a loaded database each round
trip costs more than the statement it carries. So on PostgreSQL, when the tenant's policy is
the same for every contact (no experiment running), ``message_store`` sends two statements in
one simple-protocol request, which PostgreSQL runs as one transaction:

1. a check of the channel, then the sender's contact row lock (``SELECT ... FOR UPDATE``);
2. one data-modifying statement: create the contact and its identity if no one owns the
   address yet (and give a contact without a name the sender's profile name), find the ticket
   the policy joins or open one (with its channel and, under crosschannel, its links), touch
   the ticket it joins (last message time; a pending or resolved ticket reopens), record the
   channel among the ticket's channels, and store the message.

The lock is a statement of its own because a statement reads what was committed when it
began: under READ COMMITTED the second statement, which starts once the lock is held, sees the
ticket another message of the same contact opened while this one waited. A new sender has no
row to lock; two requests creating the same identity meet on its unique index, and the loser's
``IntegrityError`` rolls back everything it wrote (the caller retries, then locks the contact).

``PostgresIngestStore`` is this form behind the ``IngestStore`` interface
(``ingest_store.py``); the ORM form (``ingest_orm.py``) remains the reference and the form for
the other cases. ``tests/crm/test_ingest_sql.py`` drives both with the same generated traffic
under each policy and compares what they store.
"""

from __future__ import annotations

import functools
from contextlib import nullcontext
from dataclasses import dataclass
from typing import ClassVar

from django.db import connection, transaction
from django.utils import timezone

from crm.models import Channel, Contact, Identity, Message, Tenant, Ticket, TicketChannel, TicketLink, TicketStatus
from crm.policies import Policy
from crm.sql import Insert, Shape, Table, mark_saved

from .assignment import ticket_assign_opened
from .ingest_store import ChannelRefused, IngestResult, Sender
from .tickets import REOPENED_BY_CUSTOMER

REOPENED = [status.value for status in REOPENED_BY_CUSTOMER]
#: the setting through which the lock statement tells the next one which contact it holds
LOCKED = "crm.ingest_locked_contact"
#: its value when the channel is not what the caller said (nothing may be written)
REFUSED = "channel"


def enabled() -> bool:
    """Whether this form can run on the database in use."""
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class PostgresIngestStore:
    """``IngestStore`` in one round trip, for a tenant whose ``policy`` is every contact's."""

    policy: Policy
    checks_channel: ClassVar[bool] = True

    def store(self, *, tenant: Tenant, sender: Sender, message: Message) -> IngestResult | None:
        # Atomic by itself in autocommit; inside a caller's transaction, a savepoint keeps a
        # refused message from aborting it.
        with transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext():
            stored = message_store(tenant=tenant, policy=self.policy, sender=sender, message=message)
        if not stored:
            return None
        contact_created, ticket_opened = stored
        if ticket_opened:  # the ticket's assignee, by the rule of its channel's team: one statement
            ticket_assign_opened(tenant_id=tenant.pk, ticket_id=message.ticket_id, channel=message.channel)
        return IngestResult(message, False, contact_created=contact_created, ticket_opened=ticket_opened)


@functools.cache
def _statements(
    *, across_channels: bool, links: bool, named: bool, contact: Shape, identity: Shape, ticket: Shape, message: Shape
):
    """The two statements of ``message_store`` for one policy (their text is fixed per policy).

    Every table and column is named from the models (``crm.sql.Table``)."""
    c, i, t, m = Table(Contact), Table(Identity), Table(Ticket), Table(Message)
    ch, tc, tl = Table(Channel), Table(TicketChannel), Table(TicketLink)
    sender_identity = f"{i.tenant_id} = %(tenant)s AND {i.kind} = %(kind)s AND {i.address} = %(address)s"
    same_channel = "" if across_channels else f"AND t.{t.channel_id} = %(channel)s"
    linked = (
        f"""
        , linked AS (
            INSERT INTO {tl} ({tl.tenant_id}, {tl.from_ticket_id}, {tl.to_ticket_id}, {tl.created_at})
            SELECT %(tenant)s, pair.from_id, pair.to_id, %(now)s
            FROM opened, {t} other,
                LATERAL (VALUES (opened.id, other.{t.id}), (other.{t.id}, opened.id)) AS pair (from_id, to_id)
            WHERE other.{t.tenant_id} = %(tenant)s AND other.{t.contact_id} = (SELECT id FROM sender)
                AND other.{t.status} = ANY(%(active)s)
            ON CONFLICT DO NOTHING
        )"""
        if links
        else ""
    )
    # A profile name fills the name of a known contact that has none.
    naming = (
        f"""
        , named AS (
            UPDATE {c} c SET {c.name} = %(name)s FROM held WHERE c.{c.id} = held.id AND c.{c.name} = ''
        )"""
        if named
        else ""
    )
    # The lock names the contact it holds in a setting of the transaction, for the statement after.
    # It first checks the channel: the tenant's, enabled, of the kind the sender was read for.
    lock = f"""
        SELECT checked.ok, set_config('{LOCKED}', CASE WHEN checked.ok THEN COALESCE((
            SELECT c.{c.id} FROM {c} c
            WHERE c.{c.tenant_id} = %(tenant)s AND c.{c.id} = (SELECT {i.contact_id} FROM {i} WHERE {sender_identity})
            FOR UPDATE OF c
        )::text, '') ELSE '{REFUSED}' END, true)
        FROM (
            SELECT EXISTS (
                SELECT 1 FROM {ch}
                WHERE {ch.id} = %(channel)s AND {ch.tenant_id} = %(tenant)s AND {ch.enabled}
                    AND {ch.kind} = %(channel_kind)s
            ) AS ok
        ) AS checked
    """
    # ``held``: the owner of the address, if the lock holds it. An owner the lock did not see
    # (its creator committed in between) is left alone: nothing is written, and the caller
    # runs the batch again, which locks it.
    store = f"""
        WITH owner AS (
            SELECT {i.contact_id} AS id FROM {i} WHERE {sender_identity}
        ), held AS (
            SELECT id FROM owner WHERE id::text = current_setting('{LOCKED}')
        ), created AS (
            INSERT INTO {c} ({contact.columns}) SELECT {contact.values}
            WHERE NOT EXISTS (SELECT 1 FROM owner) AND current_setting('{LOCKED}') <> '{REFUSED}'
            RETURNING {c.id} AS id
        ), owned AS (
            INSERT INTO {i} ({identity.columns}, {i.contact_id}) SELECT {identity.values}, created.id FROM created
        ){naming}, sender AS (
            SELECT id FROM held UNION ALL SELECT id FROM created
        ), found AS (
            SELECT t.{t.id} AS id FROM {t} t
            WHERE t.{t.tenant_id} = %(tenant)s AND t.{t.contact_id} = (SELECT id FROM sender)
                AND t.{t.status} = ANY(%(active)s) {same_channel}
            ORDER BY t.{t.last_message_at} DESC, t.{t.id} DESC
            LIMIT 1
        ), opened AS (
            INSERT INTO {t} ({ticket.columns}, {t.contact_id}, {t.channel_id})
            SELECT {ticket.values}, sender.id, %(channel)s FROM sender
            WHERE NOT EXISTS (SELECT 1 FROM found)
            RETURNING {t.id} AS id
        ), joined AS (
            SELECT id FROM found UNION ALL SELECT id FROM opened
        ), touched AS (
            UPDATE {t} t
            SET {t.last_message_at} = GREATEST(t.{t.last_message_at}, %(at)s), {t.updated_at} = %(now)s,
                {t.status} = CASE WHEN t.{t.status} = ANY(%(reopened)s) THEN %(open)s ELSE t.{t.status} END,
                {t.resolved_at} = CASE WHEN t.{t.status} = ANY(%(reopened)s) THEN NULL ELSE t.{t.resolved_at} END
            FROM found WHERE t.{t.id} = found.id
        ), channel_added AS (
            INSERT INTO {tc} ({tc.tenant_id}, {tc.ticket_id}, {tc.channel_id})
            SELECT %(tenant)s, joined.id, %(channel)s FROM joined
            ON CONFLICT DO NOTHING
        ){linked}, stored AS (
            INSERT INTO {m} ({message.columns}, {m.contact_id}, {m.ticket_id})
            SELECT {message.values}, (SELECT id FROM sender), joined.id FROM joined
            RETURNING {m.id}, {m.contact_id}, {m.ticket_id}
        )
        SELECT stored.*, EXISTS (SELECT 1 FROM created), EXISTS (SELECT 1 FROM opened) FROM stored
    """
    return f"{lock};\n{store}"


def message_store(*, tenant: Tenant, policy: Policy, sender: Sender, message: Message) -> tuple[bool, bool] | None:
    """Store the unsaved inbound ``message`` of ``sender`` under ``policy``.

    ``message`` (its channel, text, times, ... set; not its contact or ticket) comes back saved
    with its contact and ticket ids. Atomic on its own outside a transaction; inside one, the
    caller wraps it in a savepoint. A duplicate ``external_id``, or a sender created at the
    same instant by another request, raises ``IntegrityError`` and nothing is written. Returns
    whether the contact was created and whether the ticket was opened for it; None
    when the sender's contact was committed by another request between the lock and the
    statement after it: nothing was written, and running it again locks that contact.
    ``ChannelRefused`` when ``message.channel`` is not, in the database, the tenant's enabled
    channel of its kind: nothing was written.
    """
    channel: Channel = message.channel
    kind, address, name = sender.kind, sender.address, sender.name
    tenant_id = (("tenant_id", "tenant"),)
    contact = Insert(Contact(tenant=tenant, name=name), prefix="c", shared=(*tenant_id, ("name", "name")))
    identity = Insert(
        Identity(tenant=tenant, kind=kind, address=address),
        prefix="i",
        exclude=("contact_id",),
        shared=(*tenant_id, ("kind", "kind"), ("address", "address")),
    )
    ticket = Insert(
        Ticket(
            tenant=tenant,
            mode=policy.key,
            subject=message.subject or message.text[:80],
            created_at=message.occurred_at,
            last_message_at=message.occurred_at,
        ),
        prefix="t",
        exclude=("contact_id", "channel_id"),
        shared=(*tenant_id, ("created_at", "at"), ("last_message_at", "at")),
    )
    stored = Insert(
        message,
        prefix="m",
        exclude=("contact_id", "ticket_id"),
        shared=(*tenant_id, ("channel_id", "channel"), ("occurred_at", "at"), ("from_address", "address")),
    )
    sql = _statements(
        across_channels=policy.threads_across_channels,
        links=policy.links_new_tickets,
        named=bool(name),
        contact=contact.shape,
        identity=identity.shape,
        ticket=ticket.shape,
        message=stored.shape,
    )
    params = {
        "tenant": tenant.pk,
        "kind": kind,
        "address": address,
        "name": name,
        "channel": channel.pk,
        "channel_kind": channel.kind,
        "active": TicketStatus.active(),
        "reopened": REOPENED,
        "open": TicketStatus.OPEN.value,
        "at": message.occurred_at,
        "now": timezone.now(),
        **contact.params,
        **identity.params,
        **ticket.params,
        **stored.params,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        channel_ok = cursor.fetchone()[0]
        cursor.nextset()
        if not channel_ok:
            raise ChannelRefused(channel.pk)
        if (row := cursor.fetchone()) is None:
            return None  # the sender appeared after the lock looked: nothing was written
        message_id, contact_id, ticket_id, contact_created, ticket_opened = row
    message.contact_id, message.ticket_id = contact_id, ticket_id
    mark_saved(message, message_id)
    return bool(contact_created), bool(ticket_opened)
