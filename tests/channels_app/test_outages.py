"""Degraded dependencies: an unreachable broker or cache never turns an accepted request into
an error, and a database outage never fails a message."""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError
from kombu.exceptions import OperationalError as BrokerUnreachable

from channels_app.tasks import outbound_message_deliver
from crm.models import Direction, Message, MessageStatus
from tests.crm.helpers import inbound

pytestmark = pytest.mark.django_db
UNREACHABLE_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def test_reply_accepted_while_the_broker_is_down_is_202_and_stays_in_the_outbox(
    api, channels, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    ticket = inbound(api, channels["sms"], "+33612345678", "Hello").json()["ticket"]

    def unreachable(*args, **kwargs):
        raise BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbound_message_deliver, "delay", unreachable)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"/api/v1/tickets/{ticket}/reply/", {"text": "On its way"}, format="json")
    assert answer.status_code == 202, answer.content[:300]
    message = Message.objects.get(pk=answer.json()["id"])
    assert message.status == MessageStatus.QUEUED  # the sweeper delivers it once the broker is back
    assert "left in the outbox for the sweeper" in caplog.text


def test_api_lets_requests_through_when_the_throttle_cache_is_down(api, settings, caplog):
    import crm.api.throttling as throttling

    settings.CACHES = UNREACHABLE_REDIS
    throttling._outage_logged_at = float("-inf")
    with caplog.at_level(logging.WARNING, logger="crm.api.throttling"):
        answers = [api.get("/api/v1/tickets/").status_code for _ in range(3)]
    assert answers == [200, 200, 200]
    assert caplog.text.count("API throttle off") == 1  # logged once for the window, not per request


def test_a_database_outage_in_a_delivery_leaves_the_message_queued(api, channels):
    ticket = inbound(api, channels["sms"], "+33612345678", "Hello").json()["ticket"]
    message = Message.objects.create(
        tenant=channels["sms"].tenant,
        contact_id=Message.objects.get(ticket_id=ticket).contact_id,
        ticket_id=ticket,
        channel=channels["sms"],
        direction=Direction.OUTBOUND,
        status=MessageStatus.QUEUED,
        text="Hi",
        occurred_at=Message.objects.get(ticket_id=ticket).occurred_at,
    )
    outbound_message_deliver.on_failure(OperationalError("the connection is closed"), "task", (message.pk,), {}, None)
    assert Message.objects.get(pk=message.pk).status == MessageStatus.QUEUED
    assert OperationalError in outbound_message_deliver.autoretry_for  # retried, with backoff
