"""Kept payloads replayed from the admin once the cause is fixed; the exact query counts of
webhook ingestion and status callbacks, which do not grow with history."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from channels_app.adapters.generic_signed import sign
from channels_app.models import PayloadState, WebhookPayload
from crm.models import Message, MessageStatus
from tests.factories import ChannelFactory, ContactFactory, IdentityFactory
from tests.queries import queries_exactly

from .helpers import payload, post, stored_message

SECRET = "replay-secret"


def signed_post(client, channel, data):
    body = json.dumps(data).encode()
    return post(client, channel, body, "application/json", {"X-Signature": sign(SECRET, body)})


@pytest.fixture
def staff_client(client, db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-admin-123")
    client.force_login(user)
    return client


def test_payload_refused_while_the_channel_was_disabled_is_replayed_from_the_admin(staff_client, tenant):
    channel = ChannelFactory(
        tenant=tenant, kind="webchat", provider="webhook", credentials={"secret": SECRET}, enabled=False
    )
    assert signed_post(staff_client, channel, payload("webhook/webchat_message.json")).status_code == 400
    kept = WebhookPayload.objects.get()
    assert kept.state == PayloadState.REJECTED and "disabled" in kept.error
    page = staff_client.get(f"/admin/channels_app/webhookpayload/{kept.pk}/change/")
    assert page.status_code == 200 and b"blue jacket" in page.content
    channel.enabled = True
    channel.save()
    response = staff_client.post(
        "/admin/channels_app/webhookpayload/", {"action": "replay", "_selected_action": [kept.pk]}
    )
    assert response.status_code == 302
    kept.refresh_from_db()
    assert kept.state == PayloadState.REPLAYED and kept.replayed_at is not None
    assert Message.objects.get(channel=channel).external_id == "chat-msg-1001"


def test_replay_of_a_still_broken_payload_keeps_it_with_the_error(staff_client, tenant):
    channel = ChannelFactory(tenant=tenant, kind="webchat", provider="webhook", credentials={"secret": SECRET})
    body = b"{broken"
    post(staff_client, channel, body, "application/json", {"X-Signature": sign(SECRET, body)})
    kept = WebhookPayload.objects.get()
    staff_client.post("/admin/channels_app/webhookpayload/", {"action": "replay", "_selected_action": [kept.pk]})
    kept.refresh_from_db()
    assert kept.state == PayloadState.REJECTED and "JSON" in kept.error
    assert not Message.objects.exists()


@pytest.mark.parametrize("history", [10, 1000])
def test_webhook_ingest_query_budget_does_not_grow_with_history(client, tenant, history):
    channel = ChannelFactory(tenant=tenant, kind="webchat", provider="webhook", credentials={"secret": SECRET})
    contact = ContactFactory(tenant=tenant)
    IdentityFactory(contact=contact, kind="visitor", address="visitor-7f3a2c")
    Message.objects.bulk_create(
        stored_message(channel=channel, contact=contact, external_id=f"old-{i}", direction="inbound", save=False)
        for i in range(history)
    )
    # the channel by its token, then ingestion: the ORM form on SQLite, one round trip on PostgreSQL
    with queries_exactly(sqlite=6, postgresql=2):
        assert signed_post(client, channel, payload("webhook/webchat_message.json")).status_code == 200


@pytest.mark.parametrize("history", [10, 1000])
def test_status_callback_query_budget_does_not_grow_with_history(client, tenant, history):
    channel = ChannelFactory(tenant=tenant, kind="webchat", provider="webhook", credentials={"secret": SECRET})
    contact = ContactFactory(tenant=tenant)
    Message.objects.bulk_create(
        stored_message(channel=channel, contact=contact, external_id=f"webhook-ext-{i}", save=False)
        for i in range(1, history + 2)
    )
    with queries_exactly(sqlite=5, postgresql=5):
        assert signed_post(client, channel, payload("webhook/status_delivered.json")).status_code == 200
    assert Message.objects.get(external_id="webhook-ext-1").status == MessageStatus.DELIVERED
