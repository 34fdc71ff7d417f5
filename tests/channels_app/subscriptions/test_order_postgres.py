"""Order per contact under concurrent changes, on PostgreSQL with real threads: every event of
the contact arrives once, in the order of its id, which is the order the changes committed."""

import threading

import pytest
from django.db import connection

from channels_app.models import EventDelivery, OutgoingEvent
from channels_app.subscriptions.delivery import deliveries_sweep
from channels_app.subscriptions.services import subscription_create
from crm.models import Contact, Tenant
from crm.services.events import event_record
from tests.channels_app.sink import Sink

from .conftest import verified

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS, EACH = 4, 5


def test_concurrent_events_of_one_contact_arrive_in_order(tenant):
    with Sink(delay=0.01) as sink:
        subscription_create(tenant=tenant, url=sink.url, events=["event.created"], secret="s" * 20, by="test")
        contact = Contact.objects.create(tenant=tenant, name="Ada")
        start = threading.Barrier(THREADS)
        errors = []

        def work(n):
            try:
                mine = Tenant.objects.get(pk=tenant.pk)
                start.wait()
                for i in range(EACH):
                    event_record(tenant=mine, contact=contact, name="seen", properties={"thread": n, "i": i})
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors
        # anything a race left behind is the sweeper's (none is expected)
        EventDelivery.objects.filter(status="queued").update(created_at="2000-01-01T00:00:00Z")
        deliveries_sweep()
    ids = [verified(r, "s" * 20)["id"] for r in sink.requests]
    assert len(ids) == THREADS * EACH == len(set(ids))
    assert ids == sorted(ids) == list(OutgoingEvent.objects.order_by("pk").values_list("pk", flat=True))
    for n in range(THREADS):  # each thread's own events in the order it wrote them
        mine = [verified(r, "s" * 20)["data"]["properties"] for r in sink.requests]
        assert [p["i"] for p in mine if p["thread"] == n] == list(range(EACH))
