"""A real Celery worker on Redis delivering through the ``webhook`` provider to a local HTTP
server: retries until success, and exactly-once delivery across a SIGKILL mid-delivery."""

from __future__ import annotations

import threading

import pytest

from channels_app.models import AttemptOutcome, DeliveryAttempt
from config.celery import app
from crm.models import Message, MessageStatus
from crm.services.messages import outbound_create
from tests.factories import ChannelFactory, ContactFactory, IdentityFactory

from .sink import Sink
from .worker import Worker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
FAST_RETRIES = {"CHANNELS_RETRY_BACKOFF": "1", "CHANNELS_RETRY_BACKOFF_MAX": "2"}


@pytest.fixture
def queued_to(tenant):
    app.control.purge()  # nothing left over from an earlier run on this Redis db
    contact = ContactFactory(tenant=tenant)
    IdentityFactory(contact=contact, kind="visitor", address="visitor-42")

    def queue(url: str) -> Message:
        channel = ChannelFactory(
            tenant=tenant, kind="webchat", provider="webhook", credentials={"secret": "s", "outbound_url": url}
        )
        return outbound_create(tenant=tenant, contact=contact, channel=channel, text="Hello", purpose="conversation")

    return queue


def attempts_of(message: Message) -> list[str]:
    return list(DeliveryAttempt.objects.filter(message=message).order_by("number").values_list("outcome", flat=True))


def status_of(message: Message) -> str:
    return Message.objects.values_list("status", flat=True).get(pk=message.pk)


def test_worker_retries_two_failures_then_delivers_once(queued_to):
    worker = Worker(env=FAST_RETRIES).start()
    try:
        with Sink(script=[500, 503]) as sink:
            message = queued_to(sink.url)
            wait_for(lambda: status_of(message) in ("sent", "failed"), timeout=60, what="the delivery")
    finally:
        worker.stop()
    assert status_of(message) == MessageStatus.SENT, worker.output()
    assert len(sink.requests) == 3 and len(sink.processed) == 1
    assert attempts_of(message) == [AttemptOutcome.RETRY, AttemptOutcome.RETRY, AttemptOutcome.SENT]


def test_worker_killed_mid_delivery_then_restarted_delivers_exactly_once(queued_to):
    recovery = {
        **FAST_RETRIES,
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CHANNELS_SENDING_LEASE_SECONDS": "3",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    hold = threading.Event()
    with Sink(hold=hold) as sink:
        first = Worker(env=recovery).start()
        try:
            message = queued_to(sink.url)
            assert sink.arrived.wait(60), first.output()
            assert status_of(message) == MessageStatus.SENDING
            first.kill()  # the POST is in flight: the worker never learns the answer
        finally:
            first.kill()
        hold.set()  # the receiver finishes processing the orphaned request
        second = Worker(env=recovery).start()
        try:
            wait_for(lambda: status_of(message) == "sent", timeout=90, what="redelivery after the crash")
        finally:
            second.stop()
    assert list(sink.processed) == [f"message-{message.pk}"]  # delivered exactly once
    assert len(sink.requests) == 2  # the retry carried the same idempotency key
    assert attempts_of(message) == [AttemptOutcome.LOST, AttemptOutcome.SENT]
