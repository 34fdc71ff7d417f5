"""The outbox sweeper: messages accepted while the broker was down (still ``queued`` with no
task) and messages abandoned in ``sending`` by a dead worker are enqueued again."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from channels_app.models import AttemptOutcome, DeliveryAttempt
from crm.models import Direction, Message, MessageStatus

BATCH = 500


def outbox_stuck_ids(*, limit: int = BATCH) -> list[int]:
    now = timezone.now()
    waiting_retry = DeliveryAttempt.objects.filter(message=OuterRef("pk"), retry_at__gt=now)
    queued = (
        Message.objects.filter(
            direction=Direction.OUTBOUND,
            status=MessageStatus.QUEUED,
            created_at__lt=now - timedelta(seconds=settings.CHANNELS_OUTBOX_SWEEP_AFTER),
        )
        .exclude(Exists(waiting_retry))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    abandoned_attempt = DeliveryAttempt.objects.filter(
        message=OuterRef("pk"),
        number=OuterRef("attempts"),
        outcome=AttemptOutcome.IN_FLIGHT,
        started_at__lt=now - timedelta(seconds=settings.CHANNELS_SENDING_LEASE_SECONDS),
    )
    sending = (
        Message.objects.filter(direction=Direction.OUTBOUND, status=MessageStatus.SENDING)
        .filter(Exists(abandoned_attempt))
        .values_list("pk", flat=True)[:limit]
    )
    return list(queued) + list(sending)


def outbox_sweep() -> int:
    """Enqueue delivery of every stuck message again (the claim makes duplicates harmless)."""
    from channels_app.tasks import outbound_message_deliver

    ids = outbox_stuck_ids()
    for message_id in ids:
        outbound_message_deliver.delay(message_id)
    return len(ids)
