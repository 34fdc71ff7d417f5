"""Outbound delivery: the outbox row is the message itself (status ``queued``); delivery is
an id-only task that claims the row, calls the provider and records the result.

State machine (all transitions are conditional UPDATEs, so a task run twice is harmless):
``queued → sending`` (claim: compare-and-swap on ``attempts``, one DeliveryAttempt row),
then ``sending → sent`` (provider accepted), ``sending → queued`` (retryable failure, task
retried with backoff) or ``sending → failed`` (permanent failure or attempts exhausted,
then the omnichannel fallback). A ``sending`` message whose attempt outlived the lease
(its worker died, or on PostgreSQL a crash of the database forgot the asynchronously
committed record of the send) can be claimed again; the provider sees the same idempotency key.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from channels_app.adapters.base import ProviderResult
from channels_app.adapters.registry import registry
from channels_app.errors import OutsideWindowError, PermanentProviderError, TransientProviderError
from channels_app.models import AttemptOutcome, DeliveryAttempt
from crm.models import Consent, ConsentStatus, Direction, Message, MessageStatus, Purpose

from . import delivery_sql
from .email_threads import email_reference_record
from .fallback import outbound_fallback
from .status import status_receipts_apply_pending

logger = logging.getLogger(__name__)
#: what publishing a task raises when the broker cannot be reached (after Celery's own retries)
BROKER_ERRORS = (BrokerUnreachable, ConnectionError, TimeoutError)


def outbound_enqueue(message: Message) -> None:
    transaction.on_commit(partial(_enqueue, message.pk))


def _enqueue(message_id: int) -> None:
    """Publish the delivery task. The message is committed in the outbox whatever happens here:
    with the broker unreachable the sweeper enqueues it once the broker is back, so the request
    that queued it still succeeds."""
    from channels_app.tasks import outbound_message_deliver

    try:
        outbound_message_deliver.delay(message_id)
    except BROKER_ERRORS as exc:
        logger.warning("broker unreachable, message %s left in the outbox for the sweeper: %r", message_id, exc)


def outbound_marketing_allowed(*, tenant_id: int, contact_id: int, channel_kind: str) -> bool:
    """False when the contact opted out of ``channel_kind``: no marketing goes there."""
    return not Consent.objects.filter(
        tenant_id=tenant_id, contact_id=contact_id, channel_kind=channel_kind, status=ConsentStatus.OPTED_OUT
    ).exists()


def _lease_expired(message_id: int, attempt_number: int) -> bool:
    started = (
        DeliveryAttempt.objects.filter(message_id=message_id, number=attempt_number)
        .values_list("started_at", flat=True)
        .first()
    )
    lease = timedelta(seconds=settings.CHANNELS_SENDING_LEASE_SECONDS)
    return started is None or started < timezone.now() - lease


def _claim(message_id: int) -> tuple[Message, DeliveryAttempt] | None:
    if delivery_sql.enabled():
        now = timezone.now()
        if (claimed := delivery_sql.claim_queued(message_id=message_id, now=now)) is not None:
            # The message and its channel come back with the claim; the tenant and the ticket
            # load if a path needs them.
            attempt_id, number, message = claimed
            attempt = DeliveryAttempt(
                pk=attempt_id,
                tenant_id=message.tenant_id,
                message=message,
                number=number,
                provider=message.channel.provider,
                started_at=now,
            )
            return message, attempt
    return _claim_orm(message_id)


@transaction.atomic
def _claim_orm(message_id: int) -> tuple[Message, DeliveryAttempt] | None:
    """Move a queued (or abandoned sending) message to ``sending``; one caller wins.

    The compare-and-swap on (status, attempts) makes the claim safe against a duplicate task
    or a second worker: only one UPDATE matches.
    """
    message = (
        Message.objects.select_related("channel", "tenant", "ticket")
        .filter(pk=message_id, status__in=[MessageStatus.QUEUED, MessageStatus.SENDING])  # outbound by constraint
        .first()
    )
    if message is None:
        return None
    recovering = message.status == MessageStatus.SENDING
    if recovering and not _lease_expired(message_id, message.attempts):
        return None
    number, now = message.attempts + 1, timezone.now()
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
        tenant_id=message.tenant_id, message=message, number=number, provider=message.channel.provider, started_at=now
    )
    return message, attempt


def _refusal(message: Message) -> PermanentProviderError | None:
    """Why this message must not go out on its channel at all (consent, WhatsApp window)."""
    channel = message.channel
    if message.purpose == Purpose.MARKETING and not outbound_marketing_allowed(
        tenant_id=message.tenant_id, contact_id=message.contact_id, channel_kind=channel.kind
    ):
        return PermanentProviderError(f"suppressed: the contact opted out of {channel.kind}")
    if (window := registry.get(channel.provider).session_window(channel.kind)) is not None:
        recent = Message.objects.filter(
            tenant_id=message.tenant_id,
            contact_id=message.contact_id,
            channel__kind=channel.kind,
            direction=Direction.INBOUND,
            occurred_at__gte=timezone.now() - window,
        )
        if not recent.exists():
            return OutsideWindowError("outside the WhatsApp 24-hour window (no customer message in 24 h)")
    return None


def outbound_deliver(*, message_id: int) -> Message | None:
    """Deliver one queued message through its channel's provider; ``None`` if not ours to send.

    Raises TransientProviderError after putting the message back in ``queued`` (the task
    retries it); gives up with ``failed`` once ``CHANNELS_MAX_ATTEMPTS`` attempts were made.
    """
    claim = _claim(message_id)
    if claim is None:
        return None
    message, attempt = claim
    try:
        if (refusal := _refusal(message)) is not None:
            raise refusal
        result = registry.get(message.channel.provider).send(channel=message.channel, message=message)
    except PermanentProviderError as exc:
        return outbound_fail(message=message, attempt=attempt, reason=str(exc))
    except TransientProviderError as exc:
        if message.attempts >= settings.CHANNELS_MAX_ATTEMPTS:
            return outbound_fail(
                message=message, attempt=attempt, reason=f"gave up after {message.attempts} attempts: {exc}"
            )
        _requeue(message=message, attempt=attempt, reason=str(exc))
        raise
    return _mark_sent(message=message, attempt=attempt, result=result)


def _requeue(*, message: Message, attempt: DeliveryAttempt, reason: str) -> None:
    now = timezone.now()
    backoff = min(settings.CHANNELS_RETRY_BACKOFF_MAX, settings.CHANNELS_RETRY_BACKOFF * 2 ** (attempt.number - 1))
    with transaction.atomic():
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, attempts=attempt.number).update(
            status=MessageStatus.QUEUED, error=reason[:2000]
        )
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(
            outcome=AttemptOutcome.RETRY,
            error=reason[:2000],
            finished_at=now,
            retry_at=now + timedelta(seconds=backoff),
        )


def _mark_sent(*, message: Message, attempt: DeliveryAttempt, result: ProviderResult) -> Message:
    """Record the provider's acceptance. No transaction on purpose (one round trip less each
    way): the message row is written first, so a crash before the attempt row is updated only
    leaves that attempt "in flight" on a sent message, which nothing acts on."""
    now = timezone.now()
    metadata = {**message.metadata, **(result.metadata or {})}
    fields = {
        "status": MessageStatus.SENT,
        "sent_at": now,
        "external_id": result.external_id,
        "error": "",
        "metadata": metadata,
    }
    if delivery_sql.enabled():
        waiting = delivery_sql.record_sent(message=message, attempt=attempt, fields=fields, now=now)
    else:
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, attempts=attempt.number).update(**fields)
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(outcome=AttemptOutcome.SENT, finished_at=now)
        waiting = True
    for name, value in fields.items():
        setattr(message, name, value)
    email_reference_record(message=message, message_id_header=metadata.get("message_id", ""))
    if waiting:
        status_receipts_apply_pending(message=message)
    return message


@transaction.atomic
def outbound_fail(*, message: Message, attempt: DeliveryAttempt | None, reason: str) -> Message:
    """Mark the message failed with ``reason`` and try the next channel where the policy falls back."""
    now = timezone.now()
    failed = Message.objects.filter(pk=message.pk, status__in=[MessageStatus.QUEUED, MessageStatus.SENDING]).update(
        status=MessageStatus.FAILED, error=reason[:2000]
    )
    if attempt is not None:
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(
            outcome=AttemptOutcome.FAILED, error=reason[:2000], finished_at=now
        )
    message.status, message.error = MessageStatus.FAILED, reason
    if failed:
        outbound_fallback(message=message, reason=reason)
    return message


def outbound_fail_unexpected(*, message_id: int, reason: str) -> None:
    """The delivery task died on an error nobody planned for: fail the message, keep the reason."""
    message = Message.objects.select_related("tenant", "channel").filter(pk=message_id).first()
    if message is None:
        return
    attempt = (
        DeliveryAttempt.objects.filter(message=message, outcome=AttemptOutcome.IN_FLIGHT).order_by("-number").first()
    )
    outbound_fail(message=message, attempt=attempt, reason=reason)
