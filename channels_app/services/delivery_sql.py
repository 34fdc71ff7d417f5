"""PostgreSQL single-statement forms of the two hot delivery transitions.

The ORM forms in ``outbound.py`` take five and three round trips; under a loaded database each
round trip costs milliseconds, so on PostgreSQL the claim (queued → sending plus its
DeliveryAttempt row) and the record of a send (sending → sent, attempt closed, any early status
callback detected) are one statement each. Data-modifying CTEs run exactly once and atomically,
so the guarantees are those of the ORM forms: the same conditions, one winner.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.db import connection

from channels_app.models import AttemptOutcome, DeliveryAttempt, StatusReceipt
from crm.models import Channel, Direction, Message, MessageStatus


def enabled() -> bool:
    return connection.vendor == "postgresql"


def _columns(model, alias: str) -> str:
    return ", ".join(f'{alias}."{f.column}"' for f in model._meta.concrete_fields)


def _instance(model, values):
    """A model instance from a row of ``_columns(model)``, converted as the ORM would."""
    fields = model._meta.concrete_fields
    converted = [
        f.from_db_value(v, None, connection) if hasattr(f, "from_db_value") else v
        for f, v in zip(fields, values, strict=True)
    ]
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


def claim_queued(*, message_id: int, now: datetime) -> tuple[int, int, Message] | None:
    """``(attempt id, attempt number, message with its channel)`` if this call moved the
    message from queued to sending; the message comes back with the claim (no second query)."""
    message_table, channel_table = Message._meta.db_table, Channel._meta.db_table
    sql = f"""
        WITH claimed AS (
            UPDATE {message_table} SET status = %s, attempts = attempts + 1
            WHERE id = %s AND direction = %s AND status = %s
            RETURNING *
        ), attempt AS (
            INSERT INTO {DeliveryAttempt._meta.db_table}
                (tenant_id, message_id, number, provider, outcome, error, started_at)
            SELECT claimed.tenant_id, claimed.id, claimed.attempts, ch.provider, %s, '', %s
            FROM claimed JOIN {channel_table} ch ON ch.id = claimed.channel_id
            RETURNING id, number
        )
        SELECT attempt.id, attempt.number, {_columns(Message, "claimed")}, {_columns(Channel, "ch")}
        FROM attempt, claimed JOIN {channel_table} ch ON ch.id = claimed.channel_id
    """
    params = [
        MessageStatus.SENDING,
        message_id,
        Direction.OUTBOUND,
        MessageStatus.QUEUED,
        AttemptOutcome.IN_FLIGHT,
        now,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    split = 2 + len(Message._meta.concrete_fields)
    message = _instance(Message, row[2:split])
    message.channel = _instance(Channel, row[split:])
    return row[0], row[1], message


def record_sent(*, message: Message, attempt: DeliveryAttempt, fields: dict, now: datetime) -> bool:
    """Write the sent state and close the attempt; True when a status callback is waiting."""
    sql = f"""
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
    """
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
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return bool(cursor.fetchone()[0])
