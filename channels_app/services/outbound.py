"""Outbound delivery: the outbox row is the message itself (status ``queued``); delivery is
an id-only task that claims the row, calls the provider and records the result.

State machine (all transitions are conditional UPDATEs, so a task run twice is harmless):
``queued → sending`` (claim: compare-and-swap on ``attempts``, one DeliveryAttempt row),
then ``sending → sent`` (provider accepted), ``sending → queued`` (retryable failure, task
retried with backoff) or ``sending → failed`` (permanent failure or attempts exhausted,
then the omnichannel fallback). A ``sending`` message whose attempt outlived the lease
(its worker died) can be claimed again; the provider sees the same idempotency key.

The writes of each step go through the database's ``DeliveryStore`` (``delivery_store.py``:
the ORM form; ``delivery_sql.py``: the PostgreSQL one), chosen once by ``delivery_store()``.
"""

from __future__ import annotations

import functools
import logging
import time
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from channels_app.adapters.base import ProviderResult
from channels_app.adapters.registry import registry
from channels_app.errors import OutsideWindowError, PermanentProviderError, TransientProviderError
from channels_app.models import AttemptOutcome, DeliveryAttempt
from channels_app.subscriptions.events import message_status_publish
from crm.models import Consent, ConsentStatus, Direction, Message, MessageStatus, Purpose
from crm.signals import message_status_changed

from .delivery_sql import PostgresDeliveryStore
from .delivery_store import DeliveryStore, OrmDeliveryStore
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


#: the store of each database vendor with a form of its own; any other takes the ORM form
STORES: dict[str, type[OrmDeliveryStore]] = {"postgresql": PostgresDeliveryStore}


@functools.cache
def delivery_store() -> DeliveryStore:
    """The delivery store of the database in use, chosen once per process."""
    return STORES.get(connection.vendor, OrmDeliveryStore)()


def _refusal(message: Message) -> PermanentProviderError | None:
    """Why this message must not go out on its channel at all (consent, WhatsApp window)."""
    channel = message.channel
    if message.purpose == Purpose.MARKETING and not outbound_marketing_allowed(
        tenant_id=message.tenant_id, contact_id=message.contact_id, channel_kind=channel.kind
    ):
        return PermanentProviderError(f"suppressed: the contact opted out of {channel.kind}")
    window = registry.get(channel.provider).session_window(channel.kind)
    if window is not None and not message.metadata.get("template"):  # a template goes at any time
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
    store = delivery_store()
    claim = store.claim(message_id=message_id, now=timezone.now())
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
        _requeue(store, message=message, attempt=attempt, reason=str(exc))
        raise
    return _record_sent(store, message=message, attempt=attempt, result=result)


def _requeue(store: DeliveryStore, *, message: Message, attempt: DeliveryAttempt, reason: str) -> None:
    """Back to ``queued``; the attempt says when the task retries (its backoff, before jitter)."""
    now = timezone.now()
    backoff = min(settings.CHANNELS_RETRY_BACKOFF_MAX, settings.CHANNELS_RETRY_BACKOFF * 2 ** (attempt.number - 1))
    store.requeue(message=message, attempt=attempt, reason=reason, now=now, retry_at=now + timedelta(seconds=backoff))


def _record_sent(
    store: DeliveryStore, *, message: Message, attempt: DeliveryAttempt, result: ProviderResult
) -> Message:
    """Record the provider's acceptance, then its Message-ID and any status callback that came first."""
    now = timezone.now()
    metadata = {**message.metadata, **(result.metadata or {})}
    waiting = _until_recorded(
        lambda: store.record_sent(
            message=message, attempt=attempt, external_id=result.external_id, metadata=metadata, now=now
        )
    )
    message.status, message.sent_at, message.external_id = MessageStatus.SENT, now, result.external_id
    message.error, message.metadata = "", metadata
    email_reference_record(message=message, message_id_header=metadata.get("message_id", ""))
    message_status_changed.send(sender=Message, message=message)
    if waiting:
        status_receipts_apply_pending(message=message)
    return message


def _until_recorded(record):
    """Run ``record`` (the record of a send the provider accepted) until the database takes it.

    The provider has the message: giving up here would leave it ``sending`` until the lease
    expires and then hand it to the provider a second time. So a database that is unreachable
    or restarting is waited for, reconnecting with backoff, for ``CHANNELS_RECORD_RETRY_SECONDS``;
    past that the error is raised and the lease recovery takes over, as for a dead worker.
    """
    deadline = time.monotonic() + settings.CHANNELS_RECORD_RETRY_SECONDS
    pause = 0.2
    while True:
        try:
            return record()
        except (OperationalError, InterfaceError) as exc:
            if time.monotonic() + pause > deadline:
                raise
            logger.warning("database unreachable while recording a send, retrying in %.1f s: %r", pause, exc)
            if not connection.in_atomic_block:
                connection.close()  # the next statement reconnects
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


@transaction.atomic
def outbound_fail(*, message: Message, attempt: DeliveryAttempt | None, reason: str) -> Message:
    """Mark the message failed with ``reason`` and try the next channel where the policy falls back."""
    failed = delivery_store().record_failure(message=message, attempt=attempt, reason=reason, now=timezone.now())
    message.status, message.error = MessageStatus.FAILED, reason
    if failed:
        message_status_changed.send(sender=Message, message=message)
        message_status_publish(message=message)
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
