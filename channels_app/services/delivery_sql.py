"""PostgreSQL form of the delivery store: the two hot transitions as one statement each.

The ORM forms (``delivery_store.OrmDeliveryStore``) take five and two round trips; under a
loaded database each round trip costs milliseconds, so on PostgreSQL the claim (queued →
sending plus its DeliveryAttempt row) and the record of a send (sending → sent, attempt closed,
any early status callback detected) are one statement each. Data-modifying CTEs run exactly once
and atomically, so the guarantees are those of the ORM forms: the same conditions, one winner.
The rare transitions (a retry, a failure, the recovery of an attempt whose worker died) keep the
ORM form.

Both statements run as prepared statements (``crm.sql.prepared_cursor``): their text is fixed
per process, so PostgreSQL parses and plans each once per connection instead of once per
delivery. Their tables, columns and enum values come from the models, never from literals.

Both commit synchronously, like every other write: the claim is durable before the provider is
called, and the record before the task is acknowledged, so a crash of PostgreSQL never makes the
product hand a message it recorded as sent to the provider again.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from types import SimpleNamespace

from channels_app.models import AttemptOutcome, DeliveryAttempt, StatusReceipt
from crm.models import Channel, Message, MessageStatus
from crm.sql import columns, instance, prepared_cursor

from .delivery_store import Claim, OrmDeliveryStore


class PostgresDeliveryStore(OrmDeliveryStore):
    """The claim of a queued message and the record of a send in one statement each; the
    recovery of an abandoned ``sending`` message, retries and failures as the ORM form."""

    def claim(self, *, message_id: int, now: datetime) -> Claim | None:
        """Found by primary key alone: a queued status names an outbound message (a constraint
        of the table), and not stating the direction keeps the outbox index out of the plan. The
        message and its channel come back with the claim; the tenant and the ticket load if a
        path needs them. A message the statement does not claim (in ``sending``, say) is left
        to the ORM form, which recovers it after the lease."""
        params = [MessageStatus.SENDING, message_id, MessageStatus.QUEUED, AttemptOutcome.IN_FLIGHT, now]
        with prepared_cursor() as cursor:
            cursor.execute(_claim_sql(), params)
            row = cursor.fetchone()
        if row is None:
            return super().claim(message_id=message_id, now=now)
        split = 2 + len(Message._meta.concrete_fields)
        message = instance(Message, row[2:split])
        message.channel = instance(Channel, row[split:])
        attempt = DeliveryAttempt(
            pk=row[0],
            tenant_id=message.tenant_id,
            message=message,
            number=row[1],
            provider=message.channel.provider,
            started_at=now,
        )
        return message, attempt

    def record_sent(
        self, *, message: Message, attempt: DeliveryAttempt, external_id: str | None, metadata: dict, now: datetime
    ) -> bool:
        """True when a status callback for ``external_id`` is waiting."""
        params = [
            MessageStatus.SENT,
            now,
            external_id,
            json.dumps(metadata),
            message.pk,
            MessageStatus.SENDING,
            attempt.number,
            AttemptOutcome.SENT,
            now,
            attempt.pk,
            message.channel_id,
            external_id,
        ]
        with prepared_cursor() as cursor:
            cursor.execute(_record_sql(), params)
            return bool(cursor.fetchone()[0])


def _names(model) -> SimpleNamespace:
    """``model``'s quoted table (``table``) and its columns, by field name (``message`` is
    ``"message_id"``)."""
    return SimpleNamespace(
        table=f'"{model._meta.db_table}"', **{f.name: f'"{f.column}"' for f in model._meta.concrete_fields}
    )


@functools.cache
def _claim_sql() -> str:
    m, ch, a = _names(Message), _names(Channel), _names(DeliveryAttempt)
    return f"""
        WITH claimed AS (
            UPDATE {m.table} SET {m.status} = %s, {m.attempts} = {m.attempts} + 1
            WHERE {m.id} = %s AND {m.status} = %s
            RETURNING *
        ), ch AS (
            SELECT * FROM {ch.table} WHERE {ch.id} = (SELECT {m.channel} FROM claimed)
        ), attempt AS (
            INSERT INTO {a.table} ({a.tenant}, {a.message}, {a.number}, {a.provider}, {a.outcome}, {a.error}, {a.started_at})
            SELECT claimed.{m.tenant}, claimed.{m.id}, claimed.{m.attempts}, ch.{ch.provider}, %s, '', %s
            FROM claimed, ch
            RETURNING {a.id}, {a.number}
        )
        SELECT attempt.{a.id}, attempt.{a.number}, {columns(Message, "claimed")}, {columns(Channel, "ch")}
        FROM attempt, claimed, ch
    """


@functools.cache
def _record_sql() -> str:
    m, a, r = _names(Message), _names(DeliveryAttempt), _names(StatusReceipt)
    return f"""
        WITH sent AS (
            UPDATE {m.table}
            SET {m.status} = %s, {m.sent_at} = %s, {m.external_id} = %s, {m.error} = '', {m.metadata} = %s::jsonb
            WHERE {m.id} = %s AND {m.status} = %s AND {m.attempts} = %s RETURNING {m.id}
        ), closed AS (
            UPDATE {a.table} SET {a.outcome} = %s, {a.finished_at} = %s WHERE {a.id} = %s RETURNING {a.id}
        )
        SELECT EXISTS (
            SELECT 1 FROM {r.table}
            WHERE {r.channel} = %s AND {r.external_id} = %s AND {r.message} IS NULL
        )
    """
