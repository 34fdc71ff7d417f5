"""Celery tasks: read the id, call a service, return."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections

from channels_app.errors import TransientProviderError
from channels_app.services.outbound import outbound_deliver, outbound_fail_unexpected
from channels_app.services.outbox import outbox_sweep

logger = logging.getLogger(__name__)

#: the database went away under the task (a restart, an outage): not the message's fault
DATABASE_OUTAGE = (OperationalError, InterfaceError)


class DeliveryTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries exhausted or an unplanned error: the message is marked failed with the reason.

        A database outage is no reason to fail a message: it stays in the outbox, where the
        sweeper finds it once the database is back. The hook never reuses the connection the
        task failed on: an unusable one is closed first, and the next query reconnects."""
        message_id = kwargs.get("message_id", args[0] if args else None)
        if message_id is None:
            return
        if isinstance(exc, DATABASE_OUTAGE):
            logger.warning(
                "delivery of message %s stopped by a database outage (%s): left to the sweeper", message_id, exc
            )
            return
        close_old_connections()
        try:
            outbound_fail_unexpected(message_id=message_id, reason=f"{type(exc).__name__}: {exc}")
        except DatabaseError:
            logger.warning("message %s could not be marked failed: left to the sweeper", message_id, exc_info=True)


@shared_task(
    name="channels_app.outbound_message_deliver",
    base=DeliveryTask,
    acks_late=True,
    autoretry_for=(TransientProviderError, *DATABASE_OUTAGE),
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


@shared_task(name="channels_app.event_delivery_deliver", acks_late=True)
def event_delivery_deliver(delivery_id: int) -> None:
    """One outgoing event to one subscription; retries are scheduled by the service itself
    (with the time of the next attempt stored, which the sweeper also honours)."""
    from channels_app.subscriptions.delivery import delivery_run

    delivery_run(delivery_id=delivery_id)


@shared_task(name="channels_app.event_deliveries_sweep", acks_late=True)
def event_deliveries_sweep_task() -> int:
    from channels_app.subscriptions.delivery import deliveries_sweep

    return deliveries_sweep()
