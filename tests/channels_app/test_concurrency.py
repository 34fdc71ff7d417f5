"""Races on real PostgreSQL connections: two workers on one message, two redeliveries at once."""

from __future__ import annotations

import json
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from channels_app.adapters.generic_signed import sign
from channels_app.models import DeliveryAttempt
from channels_app.services.outbound import outbound_deliver
from channels_app.tasks import outbox_sweep_task
from crm.models import Message
from tests.factories import ChannelFactory, ContactFactory, IdentityFactory

from .helpers import payload, post, stored_message
from .sink import Sink

SECRET = "race-secret"


def run_together(target, n: int = 4) -> list:
    barrier, results = threading.Barrier(n), []

    def worker():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # collected: the test asserts on them
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_workers_delivering_one_message_send_it_once(tenant):
    contact = ContactFactory(tenant=tenant)
    IdentityFactory(contact=contact, kind="visitor", address="v-race")
    with Sink() as sink:
        channel = ChannelFactory(
            tenant=tenant, kind="webchat", provider="webhook", credentials={"secret": SECRET, "outbound_url": sink.url}
        )
        # written as outbound_create does, without the enqueue (the threads are the workers)
        message = stored_message(
            channel=channel, contact=contact, external_id=None, status="queued", to_address="v-race"
        )
        results = run_together(lambda: outbound_deliver(message_id=message.pk))
    assert sum(r is not None for r in results) == 1, results
    assert len(sink.requests) == 1
    assert DeliveryAttempt.objects.filter(message=message).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_redeliveries_of_one_webhook_store_one_message(tenant):
    channel = ChannelFactory(tenant=tenant, kind="webchat", provider="webhook", credentials={"secret": SECRET})
    body = json.dumps(payload("webhook/webchat_message.json")).encode()
    results = run_together(
        lambda: post(Client(), channel, body, "application/json", {"X-Signature": sign(SECRET, body)}).status_code
    )
    assert results == [200] * 4
    assert Message.objects.filter(channel=channel).count() == 1


def test_the_outbox_sweeper_runs_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["channels-outbox-sweep"]
    assert entry["task"] == outbox_sweep_task.name
