"""E-mail through SendGrid, Brevo and Mailjet: each ESP's native inbound post and tracking
event through anymail's views, authenticated by the channel's basic auth (``webhook_secret``)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.test.client import MULTIPART_CONTENT

from channels_app.models import PayloadState, WebhookPayload
from channels_app.services.inbound import webhook_payload_replay
from crm.models import Event, Message, MessageStatus
from tests.factories import ChannelFactory, ContactFactory

from .helpers import basic_auth, payload, post, row_counts, stored_message
from .security import AnymailBasicAuthCases

BASIC = "anymail:p4ssw0rd"


@dataclass(frozen=True)
class Esp:
    provider: str
    inbound: str  # payload file of an inbound mail
    inbound_type: str  # its content type
    tracking: str  # payload file of a tracking event
    # what the stored message says
    from_address: str
    subject: str
    message_id: str
    text: str
    # the tracking event: the id of the sent message it names, its status, its customer event
    sent_id: str
    status: str
    customer_event: str = ""

    def inbound_body(self) -> bytes | dict:
        data = payload(self.inbound)
        return data if self.inbound_type == MULTIPART_CONTENT else json.dumps(data).encode()


ESPS = {
    "sendgrid": Esp(
        provider="sendgrid",
        inbound="sendgrid/inbound.json",
        inbound_type=MULTIPART_CONTENT,  # Inbound Parse posts a form
        tracking="sendgrid/event_click.json",
        from_address="camille@example.com",
        subject="Where is order 4411?",
        message_id="<CAFx4n0V=sg-inbound-1@mail.example.com>",
        text="Hello, my parcel has not arrived yet.",
        sent_id="6e3a3b5e-8f58-4d31-9a5e-5c1f0f5c1a01",  # anymail's id, sent back as a custom arg
        status=MessageStatus.READ,
        customer_event="email.clicked",
    ),
    "brevo": Esp(
        provider="brevo",
        inbound="brevo/inbound.json",
        inbound_type="application/json",
        tracking="brevo/tracking_delivered.json",
        from_address="camille@example.com",
        subject="Invoice for order 4411",
        message_id="<CAFx4n0V=brevo-inbound-1@mail.example.com>",
        text="Could you send me the invoice for order 4411?\n\nCamille",
        sent_id="<202611230915.12345678901@smtp-relay.mailin.fr>",
        status=MessageStatus.DELIVERED,
    ),
    "mailjet": Esp(
        provider="mailjet",
        inbound="mailjet/inbound.json",
        inbound_type="application/json",
        tracking="mailjet/event_click.json",
        from_address="camille@example.com",
        subject="Return for order 4411",
        message_id="<CAFx4n0V=mj-inbound-1@mail.example.com>",
        text="How do I return the blue jumper from order 4411?",  # the quoted original cut
        sent_id="94294967296123456",
        status=MessageStatus.READ,
        customer_event="email.clicked",
    ),
}


class EspSecurityCases(AnymailBasicAuthCases):
    def body(self, channel):
        return ESPS[self.provider].inbound_body()


class TestSendGridSecurity(EspSecurityCases):
    provider, content_type = "sendgrid", MULTIPART_CONTENT


class TestBrevoSecurity(EspSecurityCases):
    provider = "brevo"


class TestMailjetSecurity(EspSecurityCases):
    provider = "mailjet"


@pytest.fixture(params=sorted(ESPS))
def esp(request) -> Esp:
    return ESPS[request.param]


@pytest.fixture
def esp_channel(tenant, esp):
    return ChannelFactory(
        tenant=tenant,
        kind="email",
        provider=esp.provider,
        address="support@shop.example",
        credentials={"webhook_secret": BASIC, "api_key": "esp-api-key"},
    )


def test_inbound_mail_is_stored_once(client, esp, esp_channel):
    for _ in range(2):  # the ESP delivers it again: still one message
        response = post(client, esp_channel, esp.inbound_body(), esp.inbound_type, basic_auth(BASIC))
        assert response.status_code == 200, response.content
    message = Message.objects.get()
    assert (message.from_address, message.subject) == (esp.from_address, esp.subject)
    assert message.external_id == esp.message_id and message.channel == esp_channel
    assert message.text == esp.text


def test_inbound_mail_with_a_wrong_password_is_refused_and_stores_nothing(client, esp, esp_channel):
    before = row_counts()
    response = post(client, esp_channel, esp.inbound_body(), esp.inbound_type, basic_auth("anymail:guess"))
    assert response.status_code == 403
    assert row_counts() == before


def test_tracking_event_moves_the_sent_message(client, tenant, esp, esp_channel):
    sent = stored_message(channel=esp_channel, contact=ContactFactory(tenant=tenant), external_id=esp.sent_id)
    body = json.dumps(payload(esp.tracking))
    assert post(client, esp_channel, body, "application/json", basic_auth(BASIC)).status_code == 200
    sent.refresh_from_db()
    assert sent.status == esp.status
    events = Event.objects.filter(contact=sent.contact).values_list("name", flat=True)
    assert list(events) == ([esp.customer_event] if esp.customer_event else [])


def test_inbound_mail_kept_on_a_disabled_channel_is_stored_on_replay(client, esp, esp_channel):
    esp_channel.enabled = False
    esp_channel.save()
    response = post(client, esp_channel, esp.inbound_body(), esp.inbound_type, basic_auth(BASIC))
    assert response.status_code == 400 and not Message.objects.exists()
    kept = WebhookPayload.objects.get(state=PayloadState.REJECTED)
    esp_channel.enabled = True
    esp_channel.save()
    webhook_payload_replay(payload=kept)
    assert Message.objects.get().external_id == esp.message_id
