"""The signed generic ``webhook`` provider (api.md): web chat, voice, statuses, unknown events."""

from __future__ import annotations

import json
import time

import pytest

from channels_app.adapters.generic_signed import sign
from channels_app.models import PayloadState, WebhookPayload
from crm.models import Message
from tests.factories import ChannelFactory

from .helpers import payload, post, row_counts
from .security import WebhookSecurityCases

SECRET = "s3cret-webhook-key"


def signed_post(client, channel, data, secret=SECRET, timestamp=None):
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    headers = {"X-Signature": sign(secret, body, timestamp)}
    if timestamp is not None:
        headers["X-Signature-Timestamp"] = timestamp
    return post(client, channel, body, "application/json", headers)


@pytest.fixture
def webchat(tenant):
    return ChannelFactory(tenant=tenant, kind="webchat", provider="webhook", credentials={"secret": SECRET})


class TestSignedWebhookSecurity(WebhookSecurityCases):
    provider, kind, secret_name = "webhook", "webchat", "secret"

    def body(self, channel):
        return json.dumps(payload("webhook/webchat_message.json")).encode()

    def sign(self, channel, body, secret):
        return {"X-Signature": sign(secret, body)}, body


def test_webchat_message_is_stored_once_across_redeliveries(client, webchat):
    data = payload("webhook/webchat_message.json")
    first = signed_post(client, webchat, data)
    again = signed_post(client, webchat, data)
    assert first.status_code == again.status_code == 200
    message = Message.objects.get(channel=webchat)
    assert (message.text, message.external_id, message.from_address) == (
        data["text"],
        "chat-msg-1001",
        "visitor-7f3a2c",
    )
    assert message.ticket is not None


def test_voice_call_record_keeps_duration_and_transcript(client, tenant):
    voice = ChannelFactory(tenant=tenant, kind="voice", provider="webhook", credentials={"secret": SECRET})
    assert signed_post(client, voice, payload("webhook/voice_call.json")).status_code == 200
    call = Message.objects.get(channel=voice).metadata["call"]
    assert call["duration"] == 184
    assert "refund" in call["transcript"]


def test_timestamped_signature_within_tolerance_accepted_and_stale_refused(client, webchat):
    data = payload("webhook/webchat_message.json")
    assert signed_post(client, webchat, data, timestamp=str(int(time.time()) - 3600)).status_code == 403
    assert not Message.objects.exists()
    assert signed_post(client, webchat, data, timestamp=str(int(time.time()))).status_code == 200


def test_a_timestamp_header_not_covered_by_the_signature_is_refused(client, webchat):
    body = json.dumps(payload("webhook/webchat_message.json")).encode()
    headers = {"X-Signature": sign(SECRET, body), "X-Signature-Timestamp": str(int(time.time()))}
    assert post(client, webchat, body, "application/json", headers).status_code == 403


@pytest.mark.parametrize(
    "body",
    [b"not json at all", b"[1, 2]", b'{"from": 42, "text": "x"}', b'{"from": "v1", "occurred_at": "yesterday"}'],
)
def test_unparseable_body_is_400_and_kept_for_replay(client, webchat, body):
    before = row_counts()
    response = signed_post(client, webchat, body)
    assert response.status_code == 400
    kept = WebhookPayload.objects.get()
    assert kept.state == PayloadState.REJECTED and kept.body == body and kept.error
    assert "X-Signature" in kept.headers
    assert row_counts() == {**before, "WebhookPayload": before["WebhookPayload"] + 1}


def test_unknown_event_is_stored_and_answered_200(client, webchat):
    response = signed_post(client, webchat, payload("webhook/unknown_event.json"))
    assert response.status_code == 200
    kept = WebhookPayload.objects.get()
    assert kept.state == PayloadState.UNKNOWN and "typing_started" in kept.error
    assert not Message.objects.exists()


def test_invalid_sender_address_is_400_and_kept(client, tenant):
    sms = ChannelFactory(tenant=tenant, kind="sms", provider="webhook", credentials={"secret": SECRET})
    response = signed_post(client, sms, {"from": "not a phone", "text": "hi", "external_id": "x1"})
    assert response.status_code == 400
    assert WebhookPayload.objects.get().state == PayloadState.REJECTED
    assert not Message.objects.exists()


def test_unknown_token_is_404(client, db):
    assert client.post("/webhooks/nope/", data=b"{}", content_type="application/json").status_code == 404


def test_console_channel_receives_no_webhooks(client, channels):
    assert post(client, channels["sms"], b"{}", "application/json").status_code == 404


def test_an_internal_error_keeps_the_payload_for_replay(client, webchat, monkeypatch):
    from channels_app import webhooks

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(webhooks, "webhook_events_apply", broken)
    response = signed_post(client, webchat, payload("webhook/webchat_message.json"))
    assert response.status_code == 500
    kept = WebhookPayload.objects.get()
    assert kept.state == PayloadState.REJECTED and "database went away" in kept.error
