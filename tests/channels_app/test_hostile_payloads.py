"""Authenticated payloads that cannot be stored, from every provider: a 400, the raw payload
kept once however often the provider retries, nothing else written; replayed from the admin,
a clear error. And what a provider field can make the product allocate stays bounded."""

from __future__ import annotations

import copy
import json
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from twilio.request_validator import RequestValidator

from channels_app.adapters.base import hmac_sha256_hex
from channels_app.adapters.generic_signed import sign
from channels_app.models import PayloadState, WebhookPayload
from crm.models import Message
from tests.factories import ChannelFactory

from .helpers import payload, payload_bytes, post, public_url, row_counts
from .test_email import BASIC, MAILGUN_KEY, basic_auth, mailgun_signed

SECRET = "hostile-secret"
TWILIO_TOKEN = "twilio-auth-token-hostile"
FORM = "application/x-www-form-urlencoded"
LONG_ID = "x" * 300


def twilio_send(client, channel, data):
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(public_url(channel), data)
    return post(client, channel, urlencode(data), FORM, {"X-Twilio-Signature": signature})


def meta_send(client, channel, body: bytes):
    return post(
        client, channel, body, "application/json", {"X-Hub-Signature-256": "sha256=" + hmac_sha256_hex(SECRET, body)}
    )


def signed_send(client, channel, body: bytes):
    return post(client, channel, body, "application/json", {"X-Signature": sign(SECRET, body)})


def raw_mail_send(client, channel, body: bytes):
    return post(client, channel, body, "message/rfc822", {"X-Signature": sign(SECRET, body)})


def postmark_send(client, channel, body: bytes):
    return post(client, channel, body, "application/json", basic_auth(BASIC))


CHANNELS = {
    "twilio": dict(kind="sms", credentials={"account_sid": "AC" + "0" * 32, "auth_token": TWILIO_TOKEN}),
    "meta": dict(kind="whatsapp", credentials={"app_secret": SECRET}),
    "webhook": dict(kind="webchat", credentials={"secret": SECRET}),
    "smtp": dict(kind="email", credentials={"secret": SECRET}),
    "postmark": dict(kind="email", credentials={"webhook_secret": BASIC}),
    "mailgun": dict(kind="email", credentials={"webhook_signing_key": MAILGUN_KEY}),
}


def twilio_form(**fields):
    return {**payload("twilio/inbound_sms.json"), **fields}


def meta_batch(mutate):
    data = payload("meta/messages_batch.json")
    mutate(data, data["entry"][0]["changes"][0]["value"]["messages"][0])
    return json.dumps(data).encode()


def webchat(**fields):
    return json.dumps({**payload("webhook/webchat_message.json"), **fields}).encode()


def mail(headers: str, body: str = "Hello") -> bytes:
    return f"From: Camille <camille@example.com>\r\nTo: support@shop.example\r\n{headers}\r\n\r\n{body}".encode()


def postmark(**fields):
    return json.dumps({**payload("email/postmark_inbound.json"), **fields}).encode()


def _set(path, value):
    def mutate(data, message):
        target = data if path[0] == "/" else message
        keys = path.strip("/").split(".")
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[keys[-1]] = value

    return mutate


CASES = {
    # provider: [(case id, body or form)]
    "twilio": [
        ("long MessageSid", twilio_form(MessageSid="SM" + LONG_ID)),
        ("NUL in Body", twilio_form(Body="hi\x00there")),
        ("long status MessageSid", {"MessageSid": "SM" + LONG_ID, "MessageStatus": "delivered"}),
    ],
    "meta": [
        ("changes of strings", meta_batch(_set("/entry.0.changes", ["str"]))),
        ("from a number", meta_batch(_set("from", 33612345670))),
        ("timestamp out of range", meta_batch(_set("timestamp", "99999999999999999999"))),
        ("text.body an object", meta_batch(_set("text", {"body": {"a": 1}}))),
        ("long id", meta_batch(_set("id", "wamid." + LONG_ID))),
        ("NUL in a text", meta_batch(_set("text", {"body": "a\x00b"}))),
        ("lone surrogate", meta_batch(_set("text", {"body": "a\ud800b"}))),
        ("contacts not a list", meta_batch(_set("/entry.0.changes.0.value.contacts", "x"))),
        ("deep nesting", b'{"entry": ' + b"[" * 100_000),
    ],
    "webhook": [
        ("long external_id", webchat(external_id=LONG_ID)),
        ("NUL in text", webchat(text="a\x00b")),
        ("from a number", webchat(**{"from": 33612345670})),
        ("text an object", webchat(text={"a": 1})),
        ("NUL in a call field", webchat(transcript="a\x00b")),
        ("deep nesting", b"[" * 200_000),
    ],
    "smtp": [
        ("long Message-ID", mail(f"Subject: hi\r\nMessage-ID: <{LONG_ID}@example.com>")),
        ("NUL in the body", mail("Subject: hi\r\nMessage-ID: <m1@example.com>", "a\x00b")),
        ("NUL in the subject", mail("Subject: a\x00b\r\nMessage-ID: <m2@example.com>")),
    ],
    "postmark": [
        ("FromFull a string", postmark(FromFull="camille@example.com")),
        ("ToFull of numbers", postmark(ToFull=[1, 2])),
        ("long MessageID", postmark(MessageID=LONG_ID, Headers=[])),
        ("NUL in TextBody", postmark(TextBody="a\x00b")),
        ("deep nesting", b'{"a": ' + b"[" * 100_000),
    ],
}


def _send(client, channel, body):
    provider = channel.provider
    if provider == "twilio":
        return twilio_send(client, channel, body)
    return {"meta": meta_send, "webhook": signed_send, "smtp": raw_mail_send, "postmark": postmark_send}[provider](
        client, channel, body
    )


@pytest.mark.parametrize(
    "provider, body",
    [(p, b) for p, cases in CASES.items() for _, b in cases],
    ids=[f"{p}: {c}" for p, cases in CASES.items() for c, _ in cases],
)
def test_an_unstorable_payload_is_400_and_kept_once_whatever_the_retries(client, tenant, provider, body):
    channel = ChannelFactory(tenant=tenant, provider=provider, **copy.deepcopy(CHANNELS[provider]))
    before = row_counts()
    for _ in range(3):  # the provider retries
        response = _send(client, channel, body)
        assert response.status_code == 400, response.content[:300]
        assert "Unparseable payload" in response.json()["detail"]
    kept = WebhookPayload.objects.get()
    assert kept.state == PayloadState.REJECTED and kept.channel == channel and kept.error
    expected = urlencode(body).encode() if provider == "twilio" else body
    assert kept.body == expected
    assert row_counts() == {**before, "WebhookPayload": before["WebhookPayload"] + 1}


def test_the_same_payload_on_another_channel_is_kept_again(client, tenant):
    first, second = (ChannelFactory(tenant=tenant, provider="webhook", **CHANNELS["webhook"]) for _ in range(2))
    body = webchat(external_id=LONG_ID)
    assert signed_send(client, first, body).status_code == 400
    assert signed_send(client, second, body).status_code == 400
    assert WebhookPayload.objects.count() == 2


def test_an_unauthenticated_deep_payload_is_403_and_stores_nothing(client, tenant):
    channel = ChannelFactory(tenant=tenant, provider="postmark", **CHANNELS["postmark"])
    before = row_counts()
    response = post(client, channel, b"[" * 200_000, "application/json", basic_auth("anymail:wrong"))
    assert response.status_code == 403
    assert row_counts() == before


def test_an_unexpected_parse_error_is_a_400_with_the_payload_kept(client, tenant, monkeypatch):
    from channels_app.adapters.generic_signed import SignedWebhookAdapter

    def broken(self, *, request, channel):
        raise KeyError("surprise")

    monkeypatch.setattr(SignedWebhookAdapter, "parse", broken)
    channel = ChannelFactory(tenant=tenant, provider="webhook", **CHANNELS["webhook"])
    response = signed_send(client, channel, webchat())
    assert response.status_code == 400 and "KeyError" in response.json()["detail"]
    assert WebhookPayload.objects.get().state == PayloadState.REJECTED


def test_the_database_being_down_is_not_answered_as_a_bad_payload(client, tenant, monkeypatch):
    from django.db import OperationalError

    from channels_app.adapters.generic_signed import SignedWebhookAdapter

    def down(self, *, request, channel):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SignedWebhookAdapter, "parse", down)
    channel = ChannelFactory(tenant=tenant, provider="webhook", **CHANNELS["webhook"])
    client.raise_request_exception = False
    response = signed_send(client, channel, webchat())
    assert response.status_code == 503  # the provider retries later: not a 400 it would give up on
    assert response.has_header("Retry-After")
    assert not WebhookPayload.objects.exists()


@pytest.fixture
def staff_client(client, db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-admin-123")
    client.force_login(user)
    return client


@pytest.mark.parametrize("provider, case", [("meta", 0), ("meta", 1), ("webhook", 3), ("postmark", 0), ("smtp", 1)])
def test_replaying_an_unstorable_payload_from_the_admin_shows_why(staff_client, tenant, provider, case):
    channel = ChannelFactory(tenant=tenant, provider=provider, **copy.deepcopy(CHANNELS[provider]))
    assert _send(staff_client, channel, CASES[provider][case][1]).status_code == 400
    kept = WebhookPayload.objects.get()
    response = staff_client.post(
        "/admin/channels_app/webhookpayload/", {"action": "replay", "_selected_action": [kept.pk]}, follow=True
    )
    assert response.status_code == 200
    notices = [str(m) for m in response.context["messages"]]
    assert any(f"#{kept.pk} still fails" in n for n in notices), notices
    kept.refresh_from_db()
    assert kept.state == PayloadState.REJECTED and not Message.objects.exists()


def test_twilio_num_media_cannot_make_the_product_allocate_more_than_ten_media(client, tenant):
    channel = ChannelFactory(tenant=tenant, provider="twilio", **CHANNELS["twilio"])
    form = twilio_form(NumMedia="1000000", MediaUrl0="https://api.twilio.com/m0", MediaContentType0="image/png")
    assert twilio_send(client, channel, form).status_code == 200
    media = list(Message.objects.get().attachments.order_by("pk"))  # fetched (or failed) one by one
    assert len(media) == 10 and media[0].source["url"] == "https://api.twilio.com/m0"


def test_mailgun_attachment_count_is_bounded_by_the_files_posted(client, tenant):
    channel = ChannelFactory(tenant=tenant, provider="mailgun", **CHANNELS["mailgun"])
    data = mailgun_signed(payload("email/mailgun_inbound.json"), MAILGUN_KEY)
    data["attachment-count"] = str(10**12)  # anymail would look for each of them
    response = post(client, channel, urlencode(data), FORM)
    assert response.status_code == 200
    assert not Message.objects.get().attachments.exists()


def test_an_email_with_thousands_of_references_keeps_a_bounded_list(client, tenant):
    channel = ChannelFactory(tenant=tenant, provider="smtp", **CHANNELS["smtp"])
    references = " ".join(f"<ref{i}@example.com>" for i in range(2_000))
    body = mail(f"Subject: hi\r\nMessage-ID: <many@example.com>\r\nReferences: {references}")
    assert raw_mail_send(client, channel, body).status_code == 200
    kept = Message.objects.get().metadata["references"]
    assert len(kept) == 50 and kept[0] == "<ref1999@example.com>"


def test_a_meta_batch_still_parses(client, tenant):
    channel = ChannelFactory(tenant=tenant, provider="meta", **CHANNELS["meta"])
    assert meta_send(client, channel, payload_bytes("meta/messages_batch.json")).status_code == 200
    assert Message.objects.count() == 2


def test_the_headers_a_mail_makes_the_parser_read_are_bounded(client, tenant):
    from anymail.inbound import AnymailInboundMessage

    from channels_app.adapters.email_content import headers_bound

    recipients = ", ".join(f"customer{i}@example.com" for i in range(20_000))  # ~0.5 MB: a minute of parsing
    extra = "".join(f"X-Filler-{i}: {i}\r\n" for i in range(1000))
    raw = mail(f"Subject: hi\r\nCc: {recipients}\r\n{extra}Message-ID: <wide@example.com>")
    mime = AnymailInboundMessage.parse_raw_mime_bytes(raw)
    headers_bound(mime)
    assert len(mime["Cc"]) <= 4096 and mime["Cc"].endswith("@example.com")
    assert len(mime.keys()) == 300 and mime["From"] == "Camille <camille@example.com>"
    channel = ChannelFactory(tenant=tenant, provider="smtp", **CHANNELS["smtp"])
    assert raw_mail_send(client, channel, mail(f"Subject: hi\r\nCc: {recipients}")).status_code == 200
    assert Message.objects.get().subject == "hi"
