"""A real Celery worker on Redis delivers a contact's events to a local receiver: a 500 retried
with backoff, then every event once, in order."""

from __future__ import annotations

import pytest

from channels_app.models import EventDelivery
from channels_app.subscriptions.services import subscription_create
from config.celery import app
from crm.models import Contact
from crm.services.events import event_record
from tests.channels_app.sink import Sink
from tests.channels_app.worker import Worker, wait_for

from .conftest import verified

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_retries_and_delivers_a_contacts_events_in_order(tenant):
    app.control.purge()
    worker = Worker(env={"WEBHOOK_SUBSCRIPTION_BACKOFF": "1", "WEBHOOK_SUBSCRIPTION_BACKOFF_MAX": "2"}).start()
    try:
        with Sink(script=[500]) as sink:
            subscription_create(tenant=tenant, url=sink.url, events=["event.created"], secret="s" * 20, by="test")
            tenant.refresh_from_db()
            contact = Contact.objects.create(tenant=tenant, name="Ada")
            for i in range(3):
                event_record(tenant=tenant, contact=contact, name="seen", properties={"i": i})
            wait_for(
                lambda: not EventDelivery.objects.exclude(status="delivered").exists(),
                timeout=90,
                what="the deliveries",
            )
    finally:
        worker.stop()
    received = [verified(r, "s" * 20) for r in sink.requests]
    assert [e["data"]["properties"]["i"] for e in received] == [0, 0, 1, 2], worker.output()
    assert [e["id"] for e in received[1:]] == sorted(e["id"] for e in received[1:])
