"""PostgreSQL single-statement forms of the two hot delivery transitions.

The ORM forms in ``outbound.py`` take five and three round trips; under a loaded database each
round trip costs milliseconds, so on PostgreSQL the claim (queued → sending plus its
DeliveryAttempt row) and the record of a send (sending → sent, attempt closed, any early status
callback detected) are one statement each. Data-modifying CTEs run exactly once and atomically,
so the guarantees are those of the ORM forms: the same conditions, one winner.

Both run as prepared statements (``crm.sql.prepared_cursor``): their text is fixed per process,
so PostgreSQL parses and plans each once per connection instead of once per delivery.

The claim commits synchronously: it is durable before the provider is called. The record
commits asynchronously (``synchronous_commit`` off for its own transaction only), so the worker
does not wait for the disk: a crash of PostgreSQL in the fraction of a second after it may forget
it, and the message is then found ``sending`` with its attempt in flight, exactly as after a
worker killed between the call and the record; it is recovered the same way (after the lease,
with the same idempotency key). A later synchronous commit (a status callback for the message,
say) makes it durable too: the log is written in order.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime

from django.db import connection

from channels_app.models import AttemptOutcome, DeliveryAttempt, StatusReceipt
from crm.models import Channel, Message, MessageStatus
from crm.sql import columns, instance, prepared_cursor


def enabled() -> bool:
    return connection.vendor == "postgresql"


def claim_queued(*, message_id: int, now: datetime) -> tuple[int, int, Message] | None:
    """``(attempt id, attempt number, message with its channel)`` if this call moved the
    message from queued to sending; the message comes back with the claim (no second query).

    Found by primary key alone: a queued status names an outbound message (a constraint of the
    table), and not stating the direction keeps the outbox index out of the plan."""
    params = [
        MessageStatus.SENDING,
        message_id,
        MessageStatus.QUEUED,
        AttemptOutcome.IN_FLIGHT,
        now,
    ]
    with prepared_cursor() as cursor:
        cursor.execute(_claim_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    split = 2 + len(Message._meta.concrete_fields)
    message = instance(Message, row[2:split])
    message.channel = instance(Channel, row[split:])
    return row[0], row[1], message


@functools.cache
def _claim_sql() -> str:
    message_table, channel_table = Message._meta.db_table, Channel._meta.db_table
    return f"""
        WITH claimed AS (
            UPDATE {message_table} SET status = %s, attempts = attempts + 1
            WHERE id = %s AND status = %s
            RETURNING *
        ), ch AS (
            SELECT * FROM {channel_table} WHERE id = (SELECT channel_id FROM claimed)
        ), attempt AS (
            INSERT INTO {DeliveryAttempt._meta.db_table}
                (tenant_id, message_id, number, provider, outcome, error, started_at)
            SELECT claimed.tenant_id, claimed.id, claimed.attempts, ch.provider, %s, '', %s
            FROM claimed, ch
            RETURNING id, number
        )
        SELECT attempt.id, attempt.number, {columns(Message, "claimed")}, {columns(Channel, "ch")}
        FROM attempt, claimed, ch
    """


def record_sent(*, message: Message, attempt: DeliveryAttempt, fields: dict, now: datetime) -> bool:
    """Write the sent state and close the attempt, committed asynchronously (module docstring);
    True when a status callback is waiting."""
    params = [
        MessageStatus.SENT,
        fields["sent_at"],
        fields["external_id"],
        json.dumps(fields["metadata"]),
        message.pk,
        MessageStatus.SENDING,
        attempt.number,
        AttemptOutcome.SENT,
        now,
        attempt.pk,
        message.channel_id,
        fields["external_id"],
    ]
    with prepared_cursor() as cursor:
        cursor.execute(_record_sql(), params)
        return bool(cursor.fetchone()[0])


@functools.cache
def _record_sql() -> str:
    return f"""
        WITH sent AS (
            UPDATE {Message._meta.db_table}
            SET status = %s, sent_at = %s, external_id = %s, error = '', metadata = %s::jsonb
            WHERE id = %s AND status = %s AND attempts = %s RETURNING id
        ), closed AS (
            UPDATE {DeliveryAttempt._meta.db_table} SET outcome = %s, finished_at = %s WHERE id = %s RETURNING id
        )
        SELECT EXISTS (
            SELECT 1 FROM {StatusReceipt._meta.db_table}
            WHERE channel_id = %s AND external_id = %s AND message_id IS NULL
        )
        FROM (SELECT set_config('synchronous_commit', 'off', true)) AS asynchronous_commit
    """
