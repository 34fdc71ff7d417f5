"""Where the delivery state machine is stored: one interface, an ORM form and a PostgreSQL form.

``outbound.py`` reads as the steps of a delivery (claim, send, record the outcome); this module
holds the writes of those steps. ``DeliveryStore`` is the interface, ``OrmDeliveryStore`` the
reference form (every database), and ``delivery_sql.PostgresDeliveryStore`` the PostgreSQL form
of its two hot writes (the claim of a queued message and the record of a send, one statement
each). The service picks one per database vendor, once (``outbound.delivery_store``).

Every write is conditional on the state it leaves (status and attempt number), so a task run
twice, or a second worker, changes nothing: one caller wins. Every write commits synchronously.
``tests/channels_app/test_delivery_store.py`` drives both forms through the same steps and
compares every row they write.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.db import transaction

from channels_app.models import AttemptOutcome, DeliveryAttempt
from crm.models import Message, MessageStatus

#: the longest reason stored on a message or an attempt
REASON_MAX = 2000

Claim = tuple[Message, DeliveryAttempt]


class DeliveryStore(Protocol):
    def claim(self, *, message_id: int, now: datetime) -> Claim | None:
        """Move a queued message, or a ``sending`` one whose attempt outlived the lease, to
        ``sending`` with a new attempt; ``None`` if another caller has it or it is not in the outbox.
        The message comes back with its channel."""

    def requeue(self, *, message: Message, attempt: DeliveryAttempt, reason: str, now: datetime, retry_at: datetime):
        """A retryable failure: the message back to ``queued`` with the reason, the attempt
        closed as ``retry`` with when it will be retried."""

    def record_sent(
        self, *, message: Message, attempt: DeliveryAttempt, external_id: str | None, metadata: dict, now: datetime
    ) -> bool:
        """The provider accepted: the message ``sent`` with the provider's id (its error cleared),
        the attempt closed as ``sent``. False only when no status callback for the provider's id
        can be waiting (``status.status_receipts_apply_pending`` need not look)."""

    def record_failure(self, *, message: Message, attempt: DeliveryAttempt | None, reason: str, now: datetime) -> bool:
        """A permanent failure: the message (queued or sending) ``failed`` with the reason, the
        attempt closed as ``failed``. True when this call failed the message."""


class OrmDeliveryStore:
    """The reference form, through the ORM: the claim takes five round trips, the record two."""

    @transaction.atomic
    def claim(self, *, message_id: int, now: datetime) -> Claim | None:
        """The compare-and-swap on (status, attempts) makes the claim safe against a duplicate
        task or a second worker: only one UPDATE matches."""
        message = (
            Message.objects.select_related("channel", "tenant", "ticket")
            .filter(pk=message_id, status__in=[MessageStatus.QUEUED, MessageStatus.SENDING])  # outbound by constraint
            .first()
        )
        if message is None:
            return None
        recovering = message.status == MessageStatus.SENDING
        if recovering and not _lease_expired(message_id, message.attempts, now):
            return None
        number = message.attempts + 1
        won = Message.objects.filter(pk=message_id, status=message.status, attempts=message.attempts).update(
            status=MessageStatus.SENDING, attempts=number
        )
        if not won:
            return None
        if recovering:
            DeliveryAttempt.objects.filter(message_id=message_id, outcome=AttemptOutcome.IN_FLIGHT).update(
                outcome=AttemptOutcome.LOST, finished_at=now, error="worker lost during the attempt"
            )
        message.status, message.attempts = MessageStatus.SENDING, number
        attempt = DeliveryAttempt.objects.create(
            tenant_id=message.tenant_id,
            message=message,
            number=number,
            provider=message.channel.provider,
            started_at=now,
        )
        return message, attempt

    @transaction.atomic
    def requeue(self, *, message: Message, attempt: DeliveryAttempt, reason: str, now: datetime, retry_at: datetime):
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, attempts=attempt.number).update(
            status=MessageStatus.QUEUED, error=reason[:REASON_MAX]
        )
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(
            outcome=AttemptOutcome.RETRY, error=reason[:REASON_MAX], finished_at=now, retry_at=retry_at
        )

    def record_sent(
        self, *, message: Message, attempt: DeliveryAttempt, external_id: str | None, metadata: dict, now: datetime
    ) -> bool:
        """No transaction on purpose (one round trip less each way): the message row is written
        first, so a crash before the attempt row is updated only leaves that attempt "in flight"
        on a sent message, which nothing acts on. Does not look for waiting callbacks (True)."""
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, attempts=attempt.number).update(
            status=MessageStatus.SENT, sent_at=now, external_id=external_id, error="", metadata=metadata
        )
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(outcome=AttemptOutcome.SENT, finished_at=now)
        return True

    @transaction.atomic
    def record_failure(self, *, message: Message, attempt: DeliveryAttempt | None, reason: str, now: datetime) -> bool:
        failed = Message.objects.filter(pk=message.pk, status__in=[MessageStatus.QUEUED, MessageStatus.SENDING]).update(
            status=MessageStatus.FAILED, error=reason[:REASON_MAX]
        )
        if attempt is not None:
            DeliveryAttempt.objects.filter(pk=attempt.pk).update(
                outcome=AttemptOutcome.FAILED, error=reason[:REASON_MAX], finished_at=now
            )
        return bool(failed)


def _lease_expired(message_id: int, attempt_number: int, now: datetime) -> bool:
    started = (
        DeliveryAttempt.objects.filter(message_id=message_id, number=attempt_number)
        .values_list("started_at", flat=True)
        .first()
    )
    lease = timedelta(seconds=settings.CHANNELS_SENDING_LEASE_SECONDS)
    return started is None or started < now - lease
