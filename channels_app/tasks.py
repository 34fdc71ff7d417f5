"""Celery tasks: read the id, call a service, return."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections

from channels_app.errors import TransientProviderError
from channels_app.mailbox.poll import PROVIDER, mailbox_channels, mailbox_poll
from channels_app.services.media import attachment_fetch_do
from channels_app.services.outbound import outbound_deliver, outbound_fail_unexpected
from channels_app.services.outbox import outbox_sweep
from crm.models import Channel

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


@shared_task(name="channels_app.attachment_fetch", bind=True, acks_late=True, max_retries=None)
def attachment_fetch(self, attachment_id: int) -> None:
    """Fetch a provider's media for a pending attachment; retried with backoff on transient
    errors, then recorded as failed with the last reason (idempotent: only a pending one)."""
    from crm.services.attachments import attachment_fail

    try:
        attachment_fetch_do(attachment_id=attachment_id)
    except TransientProviderError as exc:
        if self.request.retries >= settings.ATTACHMENTS_FETCH_RETRIES:
            attachment_fail(attachment_id=attachment_id, reason=f"{exc} (after {self.request.retries + 1} attempts)")
            return
        countdown = get_exponential_backoff_interval(
            factor=settings.ATTACHMENTS_FETCH_BACKOFF, retries=self.request.retries, maximum=600, full_jitter=True
        )
        raise self.retry(exc=exc, countdown=countdown) from None


@shared_task(name="channels_app.mailboxes_poll", acks_late=True)
def mailboxes_poll_task() -> int:
    """Beat: one poll task per enabled mailbox channel (each leased by one poller at a time)."""
    channels = mailbox_channels()
    for channel in channels:
        mailbox_poll_task.delay(channel.pk)
    return len(channels)


@shared_task(
    name="channels_app.mailbox_poll",
    acks_late=True,  # polling again stores nothing twice
    soft_time_limit=settings.MAILBOX_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.MAILBOX_TASK_SOFT_TIME_LIMIT + 30,
)
def mailbox_poll_task(channel_id: int) -> int:
    channel = Channel.objects.select_related("tenant").filter(pk=channel_id, provider=PROVIDER).first()
    if channel is None:
        return 0
    return mailbox_poll(channel=channel).created


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
