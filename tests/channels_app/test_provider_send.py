"""Sending through Twilio, the Meta Cloud API and anymail ESPs: ids stored, failures classified."""

from __future__ import annotations

import pytest
from django.test import override_settings
from twilio.base.exceptions import TwilioRestException

from channels_app.adapters import meta_whatsapp, twilio_sms
from channels_app.models import EmailReference
from channels_app.services.outbound import outbound_deliver
from crm.models import Message, MessageStatus
from crm.services.messages import outbound_create
from tests.factories import ChannelFactory, ContactFactory, IdentityFactory

from .helpers import stored_message


@pytest.fixture
def contact(tenant):
    contact = ContactFactory(tenant=tenant)
    IdentityFactory(contact=contact, kind="phone", address="+33612345678")
    IdentityFactory(contact=contact, kind="email", address="camille@example.com")
    return contact


def deliver(tenant, contact, channel):
    message = outbound_create(tenant=tenant, contact=contact, channel=channel, text="Hello", purpose="conversation")
    try:
        outbound_deliver(message_id=message.pk)
    except Exception as exc:  # a retryable failure is re-raised for the task to retry
        message.raised = exc
    message.refresh_from_db()
    return message


class FakeTwilio:
    outcome: object = None
    calls: list = []

    def __init__(self, sid, token):
        self.messages = self

    def create(self, **kwargs):
        FakeTwilio.calls.append(kwargs)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return type("Sent", (), {"sid": "SMabc123"})()


@pytest.fixture
def twilio(tenant, monkeypatch):
    FakeTwilio.calls = []
    monkeypatch.setattr(twilio_sms, "Client", FakeTwilio)
    return ChannelFactory(
        tenant=tenant,
        kind="whatsapp",
        provider="twilio",
        address="+33757000001",
        credentials={"account_sid": "AC1", "auth_token": "t"},
    )


def test_twilio_send_stores_the_sid_and_asks_for_status_callbacks(tenant, contact, twilio):
    stored_message(channel=twilio, contact=contact, external_id="SMin", direction="inbound")
    FakeTwilio.outcome = None
    message = deliver(tenant, contact, twilio)
    assert (message.status, message.external_id) == (MessageStatus.SENT, "SMabc123")
    call = FakeTwilio.calls[0]
    assert (call["to"], call["from_"]) == ("whatsapp:+33612345678", "whatsapp:+33757000001")
    assert call["status_callback"].endswith(f"/webhooks/{twilio.webhook_token}/")


@pytest.mark.parametrize(("status", "code", "expected"), [(400, 21211, "failed"), (503, 20500, "queued")])
def test_twilio_errors_are_classified(tenant, contact, twilio, status, code, expected):
    stored_message(channel=twilio, contact=contact, external_id="SMin", direction="inbound")
    FakeTwilio.outcome = TwilioRestException(status, "https://api.twilio.com", msg="refused", code=code)
    assert deliver(tenant, contact, twilio).status == expected


class FakeResponse:
    def __init__(self, status_code, data):
        self.status_code, self._data = status_code, data
        self.headers = {"Content-Type": "application/json"}
        self.text = str(data)

    def json(self):
        return self._data


@pytest.fixture
def meta(tenant):
    channel = ChannelFactory(
        tenant=tenant,
        kind="whatsapp",
        provider="meta",
        credentials={"access_token": "EAAG", "phone_number_id": "1065", "app_secret": "x"},
    )
    return channel


def test_meta_send_within_the_window_stores_the_wamid(tenant, contact, meta, monkeypatch):
    stored_message(channel=meta, contact=contact, external_id="wamid.in", direction="inbound")
    sent = []
    monkeypatch.setattr(
        meta_whatsapp.requests,
        "post",
        lambda url, json, headers, timeout: (
            sent.append((url, json)) or FakeResponse(200, {"messages": [{"id": "wamid.OUT"}]})
        ),
    )
    message = deliver(tenant, contact, meta)
    assert (message.status, message.external_id) == (MessageStatus.SENT, "wamid.OUT")
    assert sent[0][0].endswith("/1065/messages") and sent[0][1]["to"] == "33612345678"


def test_meta_re_engagement_error_fails_and_falls_back_to_sms(tenant, contact, meta, monkeypatch):
    sms = ChannelFactory(tenant=tenant, kind="sms")
    stored_message(channel=meta, contact=contact, external_id="wamid.in", direction="inbound")
    error = {"error": {"code": 131047, "message": "Re-engagement message"}}
    monkeypatch.setattr(meta_whatsapp.requests, "post", lambda *a, **k: FakeResponse(400, error))
    message = deliver(tenant, contact, meta)
    assert message.status == MessageStatus.FAILED and "24-hour window" in message.error
    assert Message.objects.get(parent=message).channel == sms


@override_settings(CHANNELS_EMAIL_BACKENDS={"postmark": "anymail.backends.test.EmailBackend"})
def test_esp_send_stores_the_esp_id_and_the_message_id_for_threading(tenant, contact):
    channel = ChannelFactory(tenant=tenant, kind="email", provider="postmark", address="support@shop.example")
    message = deliver(tenant, contact, channel)
    assert message.status == MessageStatus.SENT
    assert message.external_id and message.external_id != message.metadata["message_id"]
    assert EmailReference.objects.get(message=message).message_id_header == message.metadata["message_id"]
