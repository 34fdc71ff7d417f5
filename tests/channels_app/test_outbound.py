"""Outbound delivery through the ``webhook`` provider: signed POST, retries with backoff,
permanent failures, a task run twice, an abandoned claim, consent, fallback, the sweeper."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from channels_app.adapters.generic_signed import sign
from channels_app.models import AttemptOutcome, DeliveryAttempt, StatusReceipt
from channels_app.services.outbound import outbound_deliver, outbound_fail_unexpected
from channels_app.services.outbox import outbox_stuck_ids, outbox_sweep
from crm.models import Consent, Direction, Message, MessageStatus
from crm.services.contacts import consent_set
from crm.services.messages import outbound_create
from tests.factories import ChannelFactory, ContactFactory, IdentityFactory

from .sink import Sink

SECRET = "outbound-secret"


@pytest.fixture
def contact(tenant):
    contact = ContactFactory(tenant=tenant)
    IdentityFactory(contact=contact, kind="visitor", address="visitor-1")
    IdentityFactory(contact=contact, kind="phone", address="+33612345678")
    IdentityFactory(contact=contact, kind="email", address="camille@example.com")
    return contact


def webhook_channel(tenant, url, kind="webchat"):
    return ChannelFactory(
        tenant=tenant, kind=kind, provider="webhook", credentials={"secret": SECRET, "outbound_url": url}
    )


def queue(tenant, contact, channel, purpose="conversation", on_commit=None):
    if on_commit is None:
        return outbound_create(
            tenant=tenant, contact=contact, channel=channel, text="Your order shipped", purpose=purpose
        )
    with on_commit(execute=True):
        return outbound_create(
            tenant=tenant, contact=contact, channel=channel, text="Your order shipped", purpose=purpose
        )


def outcomes(message):
    return list(DeliveryAttempt.objects.filter(message=message).order_by("number").values_list("outcome", flat=True))


def test_signed_post_sent_once_with_retries_after_two_5xx(tenant, contact, django_capture_on_commit_callbacks):
    with Sink(script=[503, 429]) as sink:
        channel = webhook_channel(tenant, sink.url)
        message = queue(tenant, contact, channel, on_commit=django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 3
    assert outcomes(message) == [AttemptOutcome.RETRY, AttemptOutcome.RETRY, AttemptOutcome.SENT]
    assert len(sink.processed) == 1
    last = sink.requests[-1]
    assert json.loads(last["body"]) == {"message_id": message.pk, "to": "visitor-1", "text": "Your order shipped"}
    assert last["headers"]["X-Signature"] == sign(SECRET, last["body"])


def test_other_4xx_fails_at_once_with_the_reason(tenant, contact, django_capture_on_commit_callbacks):
    with Sink(script=[422]) as sink:
        message = queue(
            tenant, contact, webhook_channel(tenant, sink.url), on_commit=django_capture_on_commit_callbacks
        )
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "HTTP 422" in message.error
    assert len(sink.requests) == 1 and outcomes(message) == [AttemptOutcome.FAILED]


@override_settings(CHANNELS_MAX_ATTEMPTS=3)
def test_retryable_failures_give_up_after_the_limit(tenant, contact, django_capture_on_commit_callbacks):
    with Sink(script=[500] * 10) as sink:
        message = queue(
            tenant, contact, webhook_channel(tenant, sink.url), on_commit=django_capture_on_commit_callbacks
        )
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "gave up after 3 attempts" in message.error
    assert len(sink.requests) == 3


def test_connection_refused_is_retried(tenant, contact):
    message = queue(tenant, contact, webhook_channel(tenant, "http://127.0.0.1:9/closed"))
    with pytest.raises(Exception, match="connection error"):
        outbound_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and outcomes(message) == [AttemptOutcome.RETRY]


@override_settings(CHANNELS_SEND_TIMEOUT=0.3)
def test_a_receiver_that_does_not_answer_in_time_is_retried(tenant, contact):
    hold = threading.Event()
    with Sink(hold=hold) as sink:
        message = queue(tenant, contact, webhook_channel(tenant, sink.url))
        with pytest.raises(Exception, match="timeout"):
            outbound_deliver(message_id=message.pk)
        hold.set()
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and outcomes(message) == [AttemptOutcome.RETRY]
    assert DeliveryAttempt.objects.get(message=message).error == "timeout"


def test_an_environment_proxy_carries_the_delivery_unless_the_host_is_exempt(tenant, contact, monkeypatch):
    """As with any HTTP client of the platform: HTTP_PROXY applies, NO_PROXY exempts."""
    from channels_app.adapters import generic_signed

    with Sink() as proxy, Sink() as receiver:
        monkeypatch.setenv("HTTP_PROXY", proxy.url.rsplit("/", 1)[0])
        monkeypatch.setenv("NO_PROXY", "localhost")
        generic_signed._proxy.cache_clear()
        try:
            outbound_deliver(message_id=queue(tenant, contact, webhook_channel(tenant, receiver.url)).pk)
            # the proxy received the request for the receiver's absolute URL
            assert len(proxy.requests) == 1 and not receiver.requests
            monkeypatch.setenv("NO_PROXY", "127.0.0.1")
            generic_signed._proxy.cache_clear()
            outbound_deliver(message_id=queue(tenant, contact, webhook_channel(tenant, receiver.url)).pk)
            assert len(receiver.requests) == 1 and len(proxy.requests) == 1
        finally:
            generic_signed._proxy.cache_clear()


def test_delivery_run_twice_sends_once(tenant, contact):
    with Sink() as sink:
        message = queue(tenant, contact, webhook_channel(tenant, sink.url))
        outbound_deliver(message_id=message.pk)
        assert outbound_deliver(message_id=message.pk) is None
    assert len(sink.requests) == 1


def test_a_send_the_provider_accepted_is_recorded_once_the_database_is_back(tenant, contact, monkeypatch):
    """The database restarts between the provider's acceptance and its record: the delivery
    waits for it, so the message ends sent, handed to the provider once, not left ``sending``
    for the lease recovery to hand over again."""
    from django.db import OperationalError

    from channels_app.services import outbound

    store = outbound.delivery_store()
    record, failures = store.record_sent, []

    def restarting(**kwargs):
        if len(failures) < 2:
            failures.append(1)
            raise OperationalError("terminating connection due to administrator command")
        return record(**kwargs)

    monkeypatch.setattr(store, "record_sent", restarting)
    monkeypatch.setattr(outbound.time, "sleep", lambda seconds: None)
    with Sink() as sink:
        message = queue(tenant, contact, webhook_channel(tenant, sink.url))
        outbound_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert len(failures) == 2 and len(sink.requests) == 1
    assert message.status == MessageStatus.SENT and outcomes(message) == [AttemptOutcome.SENT]


def test_abandoned_sending_is_claimed_again_only_after_the_lease(tenant, contact):
    with Sink() as sink:
        message = queue(tenant, contact, webhook_channel(tenant, sink.url))
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, attempts=1)
        attempt = DeliveryAttempt.objects.create(
            tenant=tenant, message=message, number=1, provider="webhook", started_at=timezone.now()
        )
        assert outbound_deliver(message_id=message.pk) is None
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(started_at=timezone.now() - timedelta(hours=1))
        assert message.pk in outbox_stuck_ids()
        assert outbound_deliver(message_id=message.pk).status == MessageStatus.SENT
    assert outcomes(message) == [AttemptOutcome.LOST, AttemptOutcome.SENT]
    assert sink.requests[0]["headers"]["Idempotency-Key"] == f"message-{message.pk}"


def test_status_callback_arriving_before_the_send_recorded_is_applied_after(tenant, contact):
    with Sink() as sink:
        channel = webhook_channel(tenant, sink.url)
        message = queue(tenant, contact, channel)
        StatusReceipt.objects.create(
            tenant=tenant,
            channel=channel,
            external_id=f"webhook-{message.pk}",
            status="delivered",
            occurred_at=timezone.now(),
        )
        outbound_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.delivered_at is not None


def test_marketing_never_goes_to_an_opted_out_channel(tenant, contact):
    consent_set(tenant=tenant, contact=contact, channel_kind="webchat", status="opted_out", source="test")
    with Sink() as sink:
        message = queue(tenant, contact, webhook_channel(tenant, sink.url), purpose="marketing")
        outbound_deliver(message_id=message.pk)
        transactional = queue(tenant, contact, webhook_channel(tenant, sink.url))
        outbound_deliver(message_id=transactional.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "opted out" in message.error
    assert [json.loads(r["body"])["message_id"] for r in sink.requests] == [transactional.pk]


def _fallback_channels(tenant):
    whatsapp = ChannelFactory(tenant=tenant, kind="whatsapp", provider="meta", credentials={"access_token": "x"})
    sms = ChannelFactory(tenant=tenant, kind="sms")
    return whatsapp, sms


def test_omnichannel_falls_back_when_whatsapp_is_outside_its_window(tenant, contact):
    whatsapp, sms = _fallback_channels(tenant)
    message = queue(tenant, contact, whatsapp)
    outbound_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "24-hour window" in message.error
    fallback = Message.objects.get(parent=message)
    assert (fallback.channel, fallback.direction, fallback.status) == (sms, Direction.OUTBOUND, MessageStatus.QUEUED)


def test_fallback_skips_channels_opted_out_for_marketing(tenant, contact):
    whatsapp, sms = _fallback_channels(tenant)
    email = ChannelFactory(tenant=tenant, kind="email")
    consent_set(tenant=tenant, contact=contact, channel_kind="sms", status="opted_out", source="test")
    message = queue(tenant, contact, whatsapp, purpose="marketing")
    outbound_deliver(message_id=message.pk)
    assert Message.objects.get(parent=message).channel == email


def test_multichannel_never_falls_back(tenant, contact):
    tenant.mode = "multichannel"
    tenant.save()
    whatsapp, _ = _fallback_channels(tenant)
    message = queue(tenant, contact, whatsapp)
    outbound_deliver(message_id=message.pk)
    assert not Message.objects.filter(parent=message).exists()


def test_sweeper_enqueues_messages_left_in_queued(tenant, contact, django_capture_on_commit_callbacks):
    with Sink() as sink:
        message = queue(tenant, contact, webhook_channel(tenant, sink.url))  # on_commit never ran: broker down
        Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=10))
        assert outbox_sweep() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and len(sink.requests) == 1
    assert outbox_sweep() == 0


def test_failure_hook_marks_the_message_failed(tenant, contact):
    message = queue(tenant, contact, webhook_channel(tenant, "http://127.0.0.1:9/"))
    outbound_fail_unexpected(message_id=message.pk, reason="RuntimeError: boom")
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.error == "RuntimeError: boom"
    assert not Consent.objects.exists()
