"""Twilio SMS and WhatsApp webhooks: signature against the public URL, MessageSid
idempotency, media, status callbacks, opt-out keywords."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import override_settings
from twilio.request_validator import RequestValidator

from channels_app.models import StatusReceipt
from crm.models import Consent, Message, MessageStatus
from tests.factories import ChannelFactory, ContactFactory, IdentityFactory

from .helpers import payload, post, public_url, stored_message, webhook_path
from .security import WebhookSecurityCases

TOKEN = "twilio-auth-token-0123456789abcdef"
FORM = "application/x-www-form-urlencoded"


def twilio_post(client, channel, data, token=TOKEN, url=None):
    signature = RequestValidator(token).compute_signature(url or public_url(channel), data)
    return post(client, channel, urlencode(data), FORM, {"X-Twilio-Signature": signature})


@pytest.fixture
def sms(tenant):
    return ChannelFactory(
        tenant=tenant,
        kind="sms",
        provider="twilio",
        address="+33757000001",
        credentials={"account_sid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "auth_token": TOKEN},
    )


class TestTwilioSecurity(WebhookSecurityCases):
    provider, kind, secret_name, content_type = "twilio", "sms", "auth_token", FORM

    def credentials(self, secret):
        return {"account_sid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "auth_token": secret}

    def body(self, channel):
        return urlencode(payload("twilio/inbound_sms.json"))

    def sign(self, channel, body, secret):
        data = payload("twilio/inbound_sms.json")
        return {"X-Twilio-Signature": RequestValidator(secret).compute_signature(public_url(channel), data)}, body


def test_inbound_sms_stored_once_and_answered_with_empty_twiml(client, sms):
    data = payload("twilio/inbound_sms.json")
    first, again = twilio_post(client, sms, data), twilio_post(client, sms, data)
    assert first.status_code == again.status_code == 200
    assert first["Content-Type"].startswith("text/xml") and b"<Response>" in first.content
    message = Message.objects.get()
    assert (message.from_address, message.text, message.external_id) == (
        "+33612345678",
        "Hello, where is my order?",
        data["MessageSid"],
    )


def test_signature_is_checked_against_the_public_url_behind_a_proxy(client, sms):
    data = payload("twilio/inbound_sms.json")
    with override_settings(PUBLIC_BASE_URL="https://crm.example.com"):
        signed_for_internal_url = twilio_post(client, sms, data, url="http://testserver" + webhook_path(sms))
        assert signed_for_internal_url.status_code == 403
        assert twilio_post(client, sms, data).status_code == 200


def test_whatsapp_media_and_profile_name_recorded(client, tenant):
    whatsapp = ChannelFactory(
        tenant=tenant,
        kind="whatsapp",
        provider="twilio",
        address="+33757000001",
        credentials={"account_sid": "AC1", "auth_token": TOKEN},
    )
    assert twilio_post(client, whatsapp, payload("twilio/inbound_whatsapp_media.json")).status_code == 200
    message = Message.objects.select_related("contact").get()
    assert message.from_address == "+33612345678"
    assert message.contact.name == "Camille"
    media = message.attachments.get()  # its fetch from Twilio is tested in test_media.py
    assert media.source["url"] == payload("twilio/inbound_whatsapp_media.json")["MediaUrl0"]
    assert media.declared_type == "image/jpeg"


def test_form_without_message_sid_is_400_and_kept(client, sms):
    assert twilio_post(client, sms, {"From": "+33612345678", "Body": "hi"}).status_code == 400
    assert not Message.objects.exists()


@pytest.fixture
def sent_message(tenant, sms):
    contact = ContactFactory(tenant=tenant)
    IdentityFactory(contact=contact, kind="phone", address="+33612345678")
    return stored_message(
        channel=sms, contact=contact, external_id="SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", text="Your parcel left"
    )


def test_status_callbacks_late_twice_and_out_of_order_never_move_back(client, sms, sent_message):
    for name in ("status_read", "status_delivered", "status_read", "status_sent"):
        assert twilio_post(client, sms, payload(f"twilio/{name}.json")).status_code == 200
    sent_message.refresh_from_db()
    assert sent_message.status == MessageStatus.READ and sent_message.read_at is not None
    receipts = StatusReceipt.objects.filter(external_id=sent_message.external_id)
    assert sorted(receipts.values_list("status", flat=True)) == ["delivered", "read", "sent"]
    assert receipts.get(status="delivered").applied is False


def test_undelivered_callback_fails_the_message_with_the_reason(client, sms, sent_message):
    assert twilio_post(client, sms, payload("twilio/status_undelivered.json")).status_code == 200
    sent_message.refresh_from_db()
    assert sent_message.status == MessageStatus.FAILED
    assert "30003" in sent_message.error


@pytest.mark.parametrize("word", ["STOP", "stop", "Arrêt", " quit ", "StopAll", "unsubscribe.", "END"])
def test_opt_out_keywords_record_consent_with_source_message(client, sms, word):
    data = {**payload("twilio/inbound_sms.json"), "Body": word}
    assert twilio_post(client, sms, data).status_code == 200
    consent = Consent.objects.get()
    assert (consent.channel_kind, consent.status, consent.source) == ("sms", "opted_out", "keyword")
    assert consent.source_message == Message.objects.get(direction="inbound")


@pytest.mark.parametrize(
    ("tenant_language", "contact_language", "expected"),
    [
        ("fr", None, "Vous ne recevrez plus"),
        ("en", None, "You will no longer receive"),
        ("fr", "en", "You will no longer receive"),
        ("en", "fr", "Vous ne recevrez plus"),
    ],
)
def test_opt_out_is_confirmed_once_in_the_customers_language(client, sms, tenant_language, contact_language, expected):
    sms.tenant.language = tenant_language
    sms.tenant.save()
    data = payload("twilio/inbound_sms.json")
    twilio_post(client, sms, {**data, "Body": "hello"})
    contact = Message.objects.get().contact
    if contact_language:
        contact.attributes = {"language": contact_language}
        contact.save()
    twilio_post(client, sms, {**data, "Body": "STOP", "MessageSid": "SM2"})
    twilio_post(client, sms, {**data, "Body": "STOP", "MessageSid": "SM3"})  # the same again: no second one
    confirmation = Message.objects.get(direction="outbound")
    assert confirmation.text.startswith(expected) and sms.tenant.name in confirmation.text
    assert (confirmation.purpose, confirmation.ticket_id, confirmation.channel) == ("transactional", None, sms)


def test_keyword_inside_a_sentence_changes_nothing_and_start_resubscribes(client, sms):
    data = payload("twilio/inbound_sms.json")
    twilio_post(client, sms, {**data, "Body": "please stop calling me at work"})
    assert not Consent.objects.exists()
    twilio_post(client, sms, {**data, "Body": "STOP", "MessageSid": "SM2"})
    twilio_post(client, sms, {**data, "Body": "Unstop", "MessageSid": "SM3"})
    consent = Consent.objects.get()
    assert consent.status == "opted_in" and consent.source_message.external_id == "SM3"
