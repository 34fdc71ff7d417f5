"""Retries, order per contact, the sweeper after a worker crash, disabling after a day."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from channels_app.models import EventDelivery, EventDeliveryAttempt
from channels_app.subscriptions.delivery import deliveries_stuck_ids, deliveries_sweep, delivery_claim, delivery_run
from crm.models import AuditEntry, Contact, Membership
from crm.services.changes import change_publish
from tests.channels_app.sink import Sink

from .conftest import verified

pytestmark = pytest.mark.django_db


def publish(tenant, contact, n=1):
    for _ in range(n):
        change_publish(tenant=tenant, change="contact.created", instance=contact, contact_id=contact.pk)


def deliveries():
    return list(EventDelivery.objects.order_by("pk"))


@pytest.mark.parametrize("code", [500, 503, 429, 408])
def test_retried_with_backoff_then_delivered(tenant, subscribe, django_capture_on_commit_callbacks, code):
    with Sink(script=[code]) as sink:
        subscribe(sink.url, events=["contact.created"])
        contact = Contact.objects.create(tenant=tenant, name="Ada")
        with django_capture_on_commit_callbacks(execute=True):
            publish(tenant, contact)
        (delivery,) = deliveries()
        assert delivery.status == "queued" and delivery.attempts == 1 and delivery.next_attempt_at > timezone.now()
        assert delivery_run(delivery_id=delivery.pk) is None  # not due yet
        delivery_run(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    log = list(EventDeliveryAttempt.objects.filter(delivery=delivery).values_list("outcome", "response_code"))
    assert log == [("retry", code), ("delivered", 200)]
    assert len(sink.requests) == 2 and len(sink.processed) == 1  # one event id, one Idempotency-Key
    assert verified(sink.requests[0])["id"] == verified(sink.requests[1])["id"]


@pytest.mark.parametrize("code", [400, 404, 410])
def test_other_4xx_is_given_up_and_the_next_event_goes(tenant, subscribe, django_capture_on_commit_callbacks, code):
    with Sink(script=[code]) as sink:
        subscribe(sink.url, events=["contact.created"])
        contact = Contact.objects.create(tenant=tenant, name="Ada")
        with django_capture_on_commit_callbacks(execute=True):
            publish(tenant, contact, n=2)
    first, second = deliveries()
    assert (first.status, first.attempts, second.status) == ("failed", 1, "delivered")
    assert str(code) in first.error
    attempt = EventDeliveryAttempt.objects.get(delivery=first)
    assert attempt.response_code == code and attempt.duration_ms is not None and attempt.finished_at


def test_the_next_event_of_a_contact_waits_for_the_previous(tenant, subscribe, django_capture_on_commit_callbacks):
    with Sink(script=[500]) as sink:
        subscribe(sink.url, events=["contact.created"])
        ada, bob = (Contact.objects.create(tenant=tenant, name=n) for n in ("Ada", "Bob"))
        with django_capture_on_commit_callbacks(execute=True):
            publish(tenant, ada, n=2)
            publish(tenant, bob)
        first, second, other = deliveries()
        assert first.status == "queued" and second.status == "queued" and second.attempts == 0
        assert other.status == "delivered"  # another contact does not wait
        assert delivery_run(delivery_id=second.pk, now=timezone.now() + timedelta(hours=2)) is None
        with django_capture_on_commit_callbacks(execute=True):
            delivery_run(delivery_id=first.pk, now=timezone.now() + timedelta(hours=2))
    assert [d.status for d in deliveries()] == ["delivered"] * 3
    ada_events = [verified(r)["id"] for r in sink.requests if verified(r)["data"]["id"] == ada.pk]
    assert ada_events == sorted(ada_events) and len(sink.processed) == 3


def test_a_worker_crash_is_swept_and_delivered_once_more(tenant, subscribe, django_capture_on_commit_callbacks):
    with Sink() as sink:
        subscribe(sink.url, events=["contact.created"])
        contact = Contact.objects.create(tenant=tenant, name="Ada")
        publish(tenant, contact)  # the enqueue after commit is lost (no callbacks run)
        (delivery,) = deliveries()
        assert delivery_claim(delivery_id=delivery.pk, now=timezone.now())  # the worker dies here
        assert deliveries_stuck_ids() == []  # within the lease
        later = timezone.now() + timedelta(hours=1)
        assert deliveries_stuck_ids(now=later) == [delivery.pk]
        delivery_run(delivery_id=delivery.pk, now=later)
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 2
    assert list(EventDeliveryAttempt.objects.filter(delivery=delivery).values_list("outcome", flat=True)) == [
        "lost",
        "delivered",
    ]
    assert len(sink.requests) == 1


def test_an_enqueue_lost_after_commit_is_swept(tenant, subscribe):
    with Sink() as sink:
        subscribe(sink.url, events=["contact.created"])
        contact = Contact.objects.create(tenant=tenant, name="Ada")
        publish(tenant, contact)
        (delivery,) = deliveries()
        assert deliveries_stuck_ids() == []
        EventDelivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - timedelta(minutes=5))
        assert deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and len(sink.requests) == 1


def test_a_day_of_failures_disables_the_subscription_and_tells_its_owners(
    tenant, subscribe, django_capture_on_commit_callbacks
):
    manager = get_user_model().objects.create_user("manon", email="manon@shop.test")
    agent = get_user_model().objects.create_user("agathe", email="agathe@shop.test")
    Membership.objects.create(tenant=tenant, user=manager, role="manager")
    Membership.objects.create(tenant=tenant, user=agent, role="agent")
    with Sink(script=[503, 503]) as sink:
        subscription = subscribe(sink.url, events=["contact.created"])
        contact = Contact.objects.create(tenant=tenant, name="Ada")
        with django_capture_on_commit_callbacks(execute=True):
            publish(tenant, contact)
        subscription.refresh_from_db()
        assert subscription.active and subscription.failing_since is not None
        (delivery,) = deliveries()
        with django_capture_on_commit_callbacks(execute=True):
            delivery_run(delivery_id=delivery.pk, now=subscription.failing_since + timedelta(days=1, seconds=1))
    subscription.refresh_from_db()
    tenant.refresh_from_db()
    assert not subscription.active and subscription.disabled_at and "503" in subscription.disabled_reason
    assert tenant.subscribed_events == []
    entry = AuditEntry.objects.get(action="webhook_subscription.disable")
    assert entry.target_id == subscription.pk
    (message,) = mail.outbox
    assert message.to == ["manon@shop.test"] and str(subscription.pk) in message.subject
    delivery.refresh_from_db()
    assert delivery.status == "queued"  # waits for the subscription to be active again


def test_a_success_ends_the_failing_period(tenant, subscribe, django_capture_on_commit_callbacks):
    with Sink(script=[500]) as sink:
        subscription = subscribe(sink.url, events=["contact.created"])
        contact = Contact.objects.create(tenant=tenant, name="Ada")
        with django_capture_on_commit_callbacks(execute=True):
            publish(tenant, contact)
        (delivery,) = deliveries()
        delivery_run(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    subscription.refresh_from_db()
    assert subscription.failing_since is None and subscription.active
