"""Delivery of outgoing events: one ``EventDelivery`` at a time per subscription and contact.

``delivery_run`` reads as its steps: claim the delivery (only the oldest pending one of its
subscription and contact, only when due), POST the signed envelope through the libcurl client
of the ``webhook`` provider (whose socket callback refuses private targets), then record the
outcome: delivered; retried with exponential backoff and jitter on 408, 429, 5xx, a timeout or
a connection error; given up on any other answer, on a refused target or after
``WEBHOOK_SUBSCRIPTION_MAX_ATTEMPTS``. A delivery that ends lets the next one of its contact go.
A subscription failing for ``WEBHOOK_SUBSCRIPTION_DISABLE_AFTER`` seconds without a success is
disabled and its owners told. The sweeper enqueues what a lost task or a dead worker left.
"""

from __future__ import annotations

import json
import logging
import random
import time
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from channels_app.adapters.generic_signed import http_post, sign
from channels_app.errors import TransientProviderError
from crm.net import UnsafeTarget

from .models import (
    PENDING,
    EventAttemptOutcome,
    EventDelivery,
    EventDeliveryAttempt,
    EventDeliveryStatus,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)
REASON_MAX = 2000
#: a retry task arriving this early is still taken (clocks of workers differ a little)
DUE_TOLERANCE = timedelta(seconds=1)


def envelope(event) -> bytes:
    """The body integrators receive: ``{"id", "type", "created_at", "data"}`` (api.md)."""
    created = event.created_at.isoformat().replace("+00:00", "Z")
    return json.dumps({"id": event.pk, "type": event.type, "created_at": created, "data": event.data}).encode()


def deliveries_enqueue(delivery_ids: list[int], *, countdown: float | None = None) -> None:
    """Publish a delivery task per id; a broker that cannot be reached leaves them to the sweeper."""
    from channels_app.services.outbound import BROKER_ERRORS
    from channels_app.tasks import event_delivery_deliver

    for delivery_id in delivery_ids:
        try:
            event_delivery_deliver.apply_async((delivery_id,), countdown=countdown)
        except BROKER_ERRORS as exc:
            logger.warning("broker unreachable, event delivery %s left for the sweeper: %r", delivery_id, exc)


def _earlier_pending():
    """Pending deliveries before the one ``OuterRef`` names, in its subscription and contact."""
    return EventDelivery.objects.filter(
        tenant_id=OuterRef("tenant_id"),
        subscription_id=OuterRef("subscription_id"),
        contact_id=OuterRef("contact_id"),
        status__in=PENDING,
        pk__lt=OuterRef("pk"),
    )


def _lease() -> timedelta:
    return timedelta(seconds=settings.CHANNELS_SENDING_LEASE_SECONDS)


@transaction.atomic
def delivery_claim(*, delivery_id: int, now: datetime) -> tuple[EventDelivery, EventDeliveryAttempt] | None:
    """``queued → sending`` with a new attempt, for the oldest pending delivery of its
    subscription and contact, when due and its subscription active; a ``sending`` one only once
    its attempt outlived the lease (its worker died). None otherwise: another worker has it, it
    waits for an earlier one, it is not due, or it is no longer pending."""
    delivery = (
        EventDelivery.objects.select_related("event", "subscription", "tenant")
        .filter(pk=delivery_id, status__in=PENDING)
        .annotate(waits=Exists(_earlier_pending()))
        .first()
    )
    if delivery is None or delivery.waits or not delivery.subscription.active:
        return None
    recovering = delivery.status == EventDeliveryStatus.SENDING
    if recovering:
        if EventDeliveryAttempt.objects.filter(
            delivery=delivery, number=delivery.attempts, started_at__gte=now - _lease()
        ).exists():
            return None
    elif delivery.next_attempt_at is not None and delivery.next_attempt_at > now + DUE_TOLERANCE:
        return None
    number = delivery.attempts + 1
    won = EventDelivery.objects.filter(pk=delivery.pk, status=delivery.status, attempts=delivery.attempts).update(
        status=EventDeliveryStatus.SENDING, attempts=number
    )
    if not won:
        return None
    if recovering:
        EventDeliveryAttempt.objects.filter(delivery=delivery, outcome=EventAttemptOutcome.IN_FLIGHT).update(
            outcome=EventAttemptOutcome.LOST, finished_at=now, error="worker lost during the attempt"
        )
    delivery.status, delivery.attempts = EventDeliveryStatus.SENDING, number
    attempt = EventDeliveryAttempt.objects.create(
        tenant_id=delivery.tenant_id, delivery=delivery, number=number, started_at=now
    )
    return delivery, attempt


def delivery_run(*, delivery_id: int, now: datetime | None = None) -> EventDelivery | None:
    """Deliver one event to one subscription; None when it is not this call's to send."""
    claim = delivery_claim(delivery_id=delivery_id, now=now or timezone.now())
    if claim is None:
        return None
    delivery, attempt = claim
    subscription = delivery.subscription
    body = envelope(delivery.event)
    headers = {
        "Content-Type": "application/json",
        "X-Signature": sign(str(subscription.secret or ""), body),
        "X-Event-Type": delivery.event.type,
        "Idempotency-Key": f"event-{delivery.event_id}",
    }
    started = time.monotonic()
    code, error = None, ""
    try:
        code, answer = http_post(subscription.url, body, headers)
        error = "" if code // 100 == 2 else f"HTTP {code}: {answer[:500].decode(errors='replace')}"
    except UnsafeTarget as refused:
        error, retryable = f"url refused: {refused}", False
    except TransientProviderError as exc:
        error, retryable = str(exc), True
    else:
        retryable = code in (408, 429) or code >= 500
    duration_ms = int((time.monotonic() - started) * 1000)
    outcome = _Outcome(code=code, duration_ms=duration_ms, error=error[:REASON_MAX], now=now or timezone.now())
    if code is not None and code // 100 == 2:
        return _delivered(delivery, attempt, outcome)
    if retryable and delivery.attempts < settings.WEBHOOK_SUBSCRIPTION_MAX_ATTEMPTS:
        return _retry(delivery, attempt, outcome)
    if retryable:
        outcome.error = f"gave up after {delivery.attempts} attempts: {outcome.error}"[:REASON_MAX]
    return _given_up(delivery, attempt, outcome)


class _Outcome:
    def __init__(self, *, code: int | None, duration_ms: int, error: str, now: datetime) -> None:
        self.code, self.duration_ms, self.error, self.now = code, duration_ms, error, now


def _close(attempt: EventDeliveryAttempt, outcome: _Outcome, result: str) -> None:
    EventDeliveryAttempt.objects.filter(pk=attempt.pk).update(
        outcome=result,
        response_code=outcome.code,
        duration_ms=outcome.duration_ms,
        error=outcome.error,
        finished_at=outcome.now,
    )


@transaction.atomic
def _delivered(delivery: EventDelivery, attempt: EventDeliveryAttempt, outcome: _Outcome) -> EventDelivery:
    EventDelivery.objects.filter(pk=delivery.pk, status=EventDeliveryStatus.SENDING).update(
        status=EventDeliveryStatus.DELIVERED, delivered_at=outcome.now, error="", next_attempt_at=None
    )
    _close(attempt, outcome, EventAttemptOutcome.DELIVERED)
    WebhookSubscription.objects.filter(pk=delivery.subscription_id, failing_since__isnull=False).update(
        failing_since=None
    )
    delivery.status = EventDeliveryStatus.DELIVERED
    _next_enqueue(delivery)
    return delivery


def _backoff(number: int) -> float:
    """Exponential, capped, with jitter (half to the whole of the step)."""
    step = min(settings.WEBHOOK_SUBSCRIPTION_BACKOFF_MAX, settings.WEBHOOK_SUBSCRIPTION_BACKOFF * 2 ** (number - 1))
    return random.uniform(step / 2, step)


@transaction.atomic
def _retry(delivery: EventDelivery, attempt: EventDeliveryAttempt, outcome: _Outcome) -> EventDelivery:
    delay = _backoff(attempt.number)
    retry_at = outcome.now + timedelta(seconds=delay)
    EventDelivery.objects.filter(pk=delivery.pk, status=EventDeliveryStatus.SENDING).update(
        status=EventDeliveryStatus.QUEUED, error=outcome.error, next_attempt_at=retry_at
    )
    _close(attempt, outcome, EventAttemptOutcome.RETRY)
    delivery.status, delivery.next_attempt_at, delivery.error = EventDeliveryStatus.QUEUED, retry_at, outcome.error
    if not _failing(delivery.subscription, outcome):
        transaction.on_commit(partial(deliveries_enqueue, [delivery.pk], countdown=delay))
    return delivery


@transaction.atomic
def _given_up(delivery: EventDelivery, attempt: EventDeliveryAttempt, outcome: _Outcome) -> EventDelivery:
    EventDelivery.objects.filter(pk=delivery.pk, status=EventDeliveryStatus.SENDING).update(
        status=EventDeliveryStatus.FAILED, error=outcome.error, next_attempt_at=None
    )
    _close(attempt, outcome, EventAttemptOutcome.FAILED)
    delivery.status, delivery.error = EventDeliveryStatus.FAILED, outcome.error
    if not _failing(delivery.subscription, outcome):
        _next_enqueue(delivery)
    return delivery


def _failing(subscription: WebhookSubscription, outcome: _Outcome) -> bool:
    """Count a failed attempt against the subscription; True when it is disabled by it (failing
    without a success for ``WEBHOOK_SUBSCRIPTION_DISABLE_AFTER`` seconds)."""
    WebhookSubscription.objects.filter(pk=subscription.pk, failing_since__isnull=True).update(failing_since=outcome.now)
    since = WebhookSubscription.objects.filter(pk=subscription.pk).values_list("failing_since", flat=True).first()
    if since is None or outcome.now - since < timedelta(seconds=settings.WEBHOOK_SUBSCRIPTION_DISABLE_AFTER):
        return False
    from .services import subscription_disable

    subscription_disable(subscription=subscription, since=since, last_error=outcome.error, at=outcome.now)
    return True


def _next_enqueue(delivery: EventDelivery) -> None:
    """The delivery ended: once that is committed, the next pending one of its subscription and
    contact may go. Looked up after the commit: a delivery committed meanwhile either is seen
    here or, claiming after this commit, finds no earlier pending delivery and goes itself."""
    if delivery.contact_id is not None:
        key = (delivery.tenant_id, delivery.subscription_id, delivery.contact_id, delivery.pk)
        transaction.on_commit(partial(_next_after, *key))


def _next_after(tenant_id: int, subscription_id: int, contact_id: int, after_id: int) -> None:
    next_id = (
        EventDelivery.objects.filter(
            tenant_id=tenant_id,
            subscription_id=subscription_id,
            contact_id=contact_id,
            status__in=PENDING,
            pk__gt=after_id,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if next_id is not None:
        deliveries_enqueue([next_id])


def deliveries_stuck_ids(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Deliveries no task will come for: the oldest pending one of each subscription and contact
    of an active subscription, queued and due for ``WEBHOOK_SUBSCRIPTION_SWEEP_AFTER`` seconds,
    or sending with an attempt older than the lease (its worker died)."""
    now = now or timezone.now()
    late = now - timedelta(seconds=settings.WEBHOOK_SUBSCRIPTION_SWEEP_AFTER)
    heads = EventDelivery.objects.filter(subscription__active=True).exclude(Exists(_earlier_pending()))
    queued = heads.filter(status=EventDeliveryStatus.QUEUED).filter(
        Q(next_attempt_at__isnull=True, created_at__lt=late) | Q(next_attempt_at__lt=late)
    )
    abandoned = EventDeliveryAttempt.objects.filter(
        delivery=OuterRef("pk"),
        number=OuterRef("attempts"),
        outcome=EventAttemptOutcome.IN_FLIGHT,
        started_at__lt=now - _lease(),
    )
    sending = heads.filter(status=EventDeliveryStatus.SENDING).filter(Exists(abandoned))
    ids = list(queued.order_by("pk").values_list("pk", flat=True)[:limit])
    return ids + list(sending.order_by("pk").values_list("pk", flat=True)[:limit])


def deliveries_sweep(*, now: datetime | None = None) -> int:
    ids = deliveries_stuck_ids(now=now)
    deliveries_enqueue(ids)
    return len(ids)
