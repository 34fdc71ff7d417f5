"""Celery tasks: read the id, call a service, return."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from channels_app.errors import TransientProviderError
from channels_app.services.outbound import outbound_deliver, outbound_fail_unexpected
from channels_app.services.outbox import outbox_sweep


class DeliveryTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries exhausted or an unplanned error: the message is marked failed with the reason."""
        message_id = kwargs.get("message_id", args[0] if args else None)
        if message_id is not None:
            outbound_fail_unexpected(message_id=message_id, reason=f"{type(exc).__name__}: {exc}")


@shared_task(
    name="channels_app.outbound_message_deliver",
    base=DeliveryTask,
    acks_late=True,
    autoretry_for=(TransientProviderError,),
    retry_backoff=settings.CHANNELS_RETRY_BACKOFF,
    retry_backoff_max=settings.CHANNELS_RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=settings.CHANNELS_MAX_ATTEMPTS,
)
def outbound_message_deliver(message_id: int) -> None:
    outbound_deliver(message_id=message_id)


@shared_task(name="channels_app.outbox_sweep", acks_late=True)
def outbox_sweep_task() -> int:
    return outbox_sweep()
