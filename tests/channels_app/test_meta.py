"""Meta WhatsApp Cloud API: GET verification, X-Hub-Signature-256, batches, statuses."""

from __future__ import annotations

import json

import pytest

from channels_app.adapters.base import hmac_sha256_hex
from channels_app.models import PayloadState, WebhookPayload
from crm.models import Contact, Message, MessageStatus
from tests.factories import ChannelFactory, ContactFactory, IdentityFactory

from .helpers import payload, post, row_counts, stored_message, webhook_path
from .security import WebhookSecurityCases

APP_SECRET = "meta-app-secret-0123456789"


def meta_post(client, channel, data, secret=APP_SECRET):
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return post(
        client, channel, body, "application/json", {"X-Hub-Signature-256": "sha256=" + hmac_sha256_hex(secret, body)}
    )


@pytest.fixture
def whatsapp(tenant):
    return ChannelFactory(
        tenant=tenant,
        kind="whatsapp",
        provider="meta",
        address="+33757000001",
        credentials={
            "app_secret": APP_SECRET,
            "verify_token": "verify-me",
            "access_token": "EAAG",
            "phone_number_id": "1065",
        },
    )


class TestMetaSecurity(WebhookSecurityCases):
    provider, kind, secret_name = "meta", "whatsapp", "app_secret"

    def body(self, channel):
        return json.dumps(payload("meta/messages_batch.json")).encode()

    def sign(self, channel, body, secret):
        return {"X-Hub-Signature-256": "sha256=" + hmac_sha256_hex(secret, body)}, body


def test_get_verification_echoes_the_challenge_only_with_the_right_token(client, whatsapp):
    path = webhook_path(whatsapp)
    ok = client.get(path, {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.content == b"1158201444"
    bad = client.get(path, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"})
    assert bad.status_code == 403 and b"1158201444" not in bad.content


def test_several_messages_in_one_post_with_profile_names_and_non_text_types(client, whatsapp):
    assert meta_post(client, whatsapp, payload("meta/messages_batch.json")).status_code == 200
    text, image = Message.objects.select_related("contact").order_by("occurred_at")
    assert text.from_address == "+33612345678" and text.contact.name == "Camille Martin"
    assert text.text == "Bonjour, ma commande n'est pas arrivée"
    assert image.contact.name == "Léo Petit"
    assert image.text == "[image] the receipt"
    assert image.metadata["type"] == "image" and image.attachments.get().declared_type == "image/jpeg"


def test_redelivered_batch_creates_nothing_new(client, whatsapp):
    meta_post(client, whatsapp, payload("meta/messages_batch.json"))
    before = row_counts()
    assert meta_post(client, whatsapp, payload("meta/messages_batch.json")).status_code == 200
    assert row_counts() == before


def test_profile_name_does_not_overwrite_a_known_name(client, tenant, whatsapp):
    contact = ContactFactory(tenant=tenant, name="Camille M.")
    IdentityFactory(contact=contact, kind="phone", address="+33612345678")
    meta_post(client, whatsapp, payload("meta/messages_batch.json"))
    assert Contact.objects.get(pk=contact.pk).name == "Camille M."


def test_statuses_apply_in_lifecycle_order_whatever_the_arrival_order(client, tenant, whatsapp):
    contact = ContactFactory(tenant=tenant)
    message = stored_message(
        channel=whatsapp, contact=contact, external_id="wamid.OUTBOUND0000000000000000000000000000000000000000="
    )
    assert meta_post(client, whatsapp, payload("meta/statuses.json")).status_code == 200
    message.refresh_from_db()
    assert message.status == MessageStatus.READ and message.read_at is not None


def test_other_webhook_fields_are_kept_as_unknown_not_500(client, whatsapp):
    assert meta_post(client, whatsapp, payload("meta/account_update.json")).status_code == 200
    assert WebhookPayload.objects.get().state == PayloadState.UNKNOWN


def test_body_without_entries_is_400_and_kept(client, whatsapp):
    assert meta_post(client, whatsapp, {"object": "whatsapp_business_account"}).status_code == 400
    assert WebhookPayload.objects.get().state == PayloadState.REJECTED
