"""E-mail inbound through anymail (Postmark, Mailgun, Amazon SES) and raw RFC 5322, tracking
events, and the thread story (the product replies, the customer answers from a mail client)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.core import mail
from django.utils import timezone

from channels_app.adapters.generic_signed import sign
from channels_app.models import PayloadState, WebhookPayload
from channels_app.services.email_threads import thread_ticket_id
from crm.models import Direction, Event, Message, MessageStatus, Ticket
from crm.services.messages import ticket_reply
from tests.factories import ChannelFactory, ContactFactory, IdentityFactory

from .helpers import basic_auth, payload, payload_bytes, post, row_counts, stored_message
from .security import AnymailBasicAuthCases, WebhookSecurityCases

SECRET = "raw-mail-secret"
BASIC = "anymail:p4ssw0rd"
MAILGUN_KEY = "key-mailgun-signing-0123"


def raw_post(client, channel, raw: bytes, secret=SECRET):
    return post(client, channel, raw, "message/rfc822", {"X-Signature": sign(secret, raw)})


def mailgun_signed(data: dict, key: str) -> dict:
    block = data.get("signature") if isinstance(data.get("signature"), dict) else data
    digest = hmac.new(key.encode(), f"{block['timestamp']}{block['token']}".encode(), hashlib.sha256).hexdigest()
    block["signature"] = digest
    return data


@pytest.fixture
def email_channel(tenant):
    return ChannelFactory(
        tenant=tenant, kind="email", provider="smtp", address="support@shop.example", credentials={"secret": SECRET}
    )


@pytest.fixture
def postmark(tenant):
    return ChannelFactory(
        tenant=tenant,
        kind="email",
        provider="postmark",
        address="support@shop.example",
        credentials={"webhook_secret": BASIC, "server_token": "pm-token"},
    )


class TestRawMailSecurity(WebhookSecurityCases):
    provider, kind, secret_name, content_type = "smtp", "email", "secret", "message/rfc822"

    def body(self, channel):
        return payload_bytes("email/out_of_office.eml")

    def sign(self, channel, body, secret):
        return {"X-Signature": sign(secret, body)}, body


class TestPostmarkSecurity(AnymailBasicAuthCases):
    provider = "postmark"

    def body(self, channel):
        return json.dumps(payload("email/postmark_inbound.json")).encode()


class TestAmazonSesSecurity(AnymailBasicAuthCases):
    provider, content_type = "amazon_ses", "text/plain"

    def body(self, channel):
        return json.dumps(payload("email/ses_inbound.json")).encode()

    def sign(self, channel, body, secret):
        headers, body = super().sign(channel, body, secret)
        sns = json.loads(body)
        return {**headers, "x-amz-sns-message-type": sns["Type"], "x-amz-sns-message-id": sns["MessageId"]}, body


class TestMailgunSecurity(WebhookSecurityCases):
    provider, kind, secret_name = "mailgun", "email", "webhook_signing_key"

    def body(self, channel):
        return payload("email/mailgun_tracking_clicked.json")

    def sign(self, channel, body, secret):
        return {}, json.dumps(mailgun_signed(body, secret)).encode()


def test_postmark_inbound_with_attachment_and_html(client, postmark):
    response = post(
        client, postmark, json.dumps(payload("email/postmark_inbound.json")), "application/json", basic_auth(BASIC)
    )
    assert response.status_code == 200, response.content
    message = Message.objects.get()
    assert message.from_address == "camille@example.com" and message.subject == "Invoice for order 4411"
    assert message.external_id == "<CAFx4n0V=pm-inbound-1@mail.example.com>"
    assert [(a.filename, a.content_type, a.size) for a in message.attachments.all()] == [
        ("order.txt", "text/plain", 45)
    ]
    assert message.metadata["html"] is True and message.metadata["auto_reply"] is False


def test_mailgun_inbound_strips_quoted_text_for_display_and_keeps_the_full_body(client, tenant):
    channel = ChannelFactory(
        tenant=tenant, kind="email", provider="mailgun", credentials={"webhook_signing_key": MAILGUN_KEY}
    )
    data = mailgun_signed(payload("email/mailgun_inbound.json"), MAILGUN_KEY)
    from urllib.parse import urlencode

    assert post(client, channel, urlencode(data), "application/x-www-form-urlencoded").status_code == 200
    message = Message.objects.get()
    assert message.text == "Thanks, received!"
    assert "Your order has shipped." in message.metadata["body_full"]


def test_amazon_ses_inbound_notification(client, tenant):
    channel = ChannelFactory(tenant=tenant, kind="email", provider="amazon_ses", credentials={"webhook_secret": BASIC})
    data = payload("email/ses_inbound.json")
    headers = {**basic_auth(BASIC), "x-amz-sns-message-type": "Notification", "x-amz-sns-message-id": data["MessageId"]}
    assert post(client, channel, json.dumps(data), "text/plain", headers).status_code == 200
    message = Message.objects.get()
    assert (message.text, message.external_id) == ("The parcel arrived damaged.", "<ses-inbound-1@mail.example.com>")


def test_amazon_ses_subscription_confirmation_is_kept_for_an_admin(client, tenant):
    channel = ChannelFactory(tenant=tenant, kind="email", provider="amazon_ses", credentials={"webhook_secret": BASIC})
    data = payload("email/ses_subscription_confirmation.json")
    headers = {**basic_auth(BASIC), "x-amz-sns-message-type": data["Type"], "x-amz-sns-message-id": data["MessageId"]}
    assert post(client, channel, json.dumps(data), "text/plain", headers).status_code == 200
    kept = WebhookPayload.objects.get()
    assert kept.state == PayloadState.UNKNOWN and b"SubscribeURL" in kept.body


@pytest.fixture
def sent_email(tenant, postmark):
    contact = ContactFactory(tenant=tenant)
    IdentityFactory(contact=contact, kind="email", address="camille@example.com")
    return stored_message(
        channel=postmark, contact=contact, external_id="00000000-0000-0000-0000-000000000000", text="Winter offers"
    )


def test_tracking_click_moves_status_and_becomes_a_customer_event_once(client, postmark, sent_email):
    body = json.dumps(payload("email/postmark_click.json"))
    for _ in range(2):
        assert post(client, postmark, body, "application/json", basic_auth(BASIC)).status_code == 200
    sent_email.refresh_from_db()
    assert sent_email.status == MessageStatus.READ
    event = Event.objects.get(name="email.clicked")
    assert event.contact_id == sent_email.contact_id and event.channel_kind == "email"
    assert event.properties["url"] == "https://shop.example/offers/winter"


def test_delivery_event_after_a_click_changes_nothing(client, postmark, sent_email):
    post(client, postmark, json.dumps(payload("email/postmark_click.json")), "application/json", basic_auth(BASIC))
    post(client, postmark, json.dumps(payload("email/postmark_delivery.json")), "application/json", basic_auth(BASIC))
    sent_email.refresh_from_db()
    assert sent_email.status == MessageStatus.READ


def test_auto_reply_is_recorded_flagged_and_its_html_converted(client, email_channel):
    assert raw_post(client, email_channel, payload_bytes("email/out_of_office.eml")).status_code == 200
    message = Message.objects.get()
    assert message.metadata["auto_reply"] is True
    assert message.text == "I am out of the office until Monday.\n\nRegards,\nCamille"
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 0


def test_raw_mail_without_from_is_400_and_kept(client, email_channel):
    raw = b"Subject: nobody\r\n\r\nbody\r\n"
    before = row_counts()
    assert raw_post(client, email_channel, raw).status_code == 400
    assert row_counts()["WebhookPayload"] == before["WebhookPayload"] + 1
    assert row_counts()["Message"] == before["Message"]


def _customer_ticket(client, channel):
    first = (
        b"From: Camille Martin <camille@example.com>\r\nTo: support@shop.example\r\nSubject: Your order 4411\r\n"
        b"Message-ID: <first@mail.example.com>\r\n\r\nWhere is my parcel?\r\n"
    )
    assert raw_post(client, channel, first).status_code == 200
    return Ticket.objects.get()


def test_thread_story_reply_by_email_then_customer_answer_lands_in_the_same_ticket(
    client, tenant, email_channel, django_capture_on_commit_callbacks
):
    ticket = _customer_ticket(client, email_channel)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(tenant=tenant, ticket=ticket, text="Your parcel left our warehouse.", author="agent@shop.example")
    sent = mail.outbox[-1]
    reply = Message.objects.get(direction=Direction.OUTBOUND)
    assert reply.status == MessageStatus.SENT and sent.extra_headers["Message-ID"] == reply.metadata["message_id"]
    assert sent.extra_headers["In-Reply-To"] == "<first@mail.example.com>"
    assert "Auto-Submitted" not in sent.extra_headers
    Ticket.objects.filter(pk=ticket.pk).update(status="resolved")
    other = Ticket.objects.create(
        tenant=tenant,
        contact=ticket.contact,
        channel=email_channel,
        mode=tenant.mode,
        subject="Another",
        created_at=timezone.now(),
        last_message_at=timezone.now(),
    )
    raw = payload_bytes("email/reply_from_mail_client.eml").replace(
        b"{in_reply_to}", reply.metadata["message_id"].encode()
    )
    assert raw_post(client, email_channel, raw).status_code == 200
    answer = Message.objects.get(external_id="<reply-from-client-1@mail.example.com>")
    assert answer.ticket_id == ticket.pk != other.pk
    assert answer.text == "Thank you, it arrived this morning."
    assert "Tracking: 1Z999" in answer.metadata["body_full"]
    assert answer.attachments.get().filename == "receipt.pdf"


def test_signed_plus_address_threads_when_headers_are_dropped(
    client, tenant, email_channel, django_capture_on_commit_callbacks
):
    ticket = _customer_ticket(client, email_channel)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(tenant=tenant, ticket=ticket, text="Any photo of the parcel?", author="agent")
    reply_to = mail.outbox[-1].reply_to[0]
    Ticket.objects.create(
        tenant=tenant,
        contact=ticket.contact,
        channel=email_channel,
        mode=tenant.mode,
        created_at=timezone.now(),
        last_message_at=timezone.now(),
    )
    raw = (
        f"From: camille@example.com\r\nTo: {reply_to}\r\nSubject: photo\r\nMessage-ID: <p1@x>\r\n\r\nhere\r\n".encode()
    )
    raw_post(client, email_channel, raw)
    assert Message.objects.get(external_id="<p1@x>").ticket_id == ticket.pk
    forged = reply_to.replace(reply_to.split("-")[1][:4], "0000")
    assert thread_ticket_id(tenant=tenant, references=[], recipients=[forged], subject="") is None
    assert thread_ticket_id(tenant=tenant, references=[], recipients=[reply_to], subject="") == ticket.pk


def test_subject_token_threads_only_where_the_policy_allows(client, tenant, email_channel):
    tenant.mode = "multichannel"
    tenant.save()
    sms = ChannelFactory(tenant=tenant, kind="sms")
    contact = ContactFactory(tenant=tenant)
    IdentityFactory(contact=contact, kind="email", address="camille@example.com")
    now = timezone.now()
    sms_ticket = Ticket.objects.create(
        tenant=tenant, contact=contact, channel=sms, mode="multichannel", created_at=now, last_message_at=now
    )
    mail_ticket = Ticket.objects.create(
        tenant=tenant, contact=contact, channel=email_channel, mode="multichannel", created_at=now, last_message_at=now
    )
    for n, target in enumerate((mail_ticket, sms_ticket)):
        raw = f"From: camille@example.com\r\nSubject: Re: [#{target.pk}] hello\r\nMessage-ID: <s{n}@x>\r\n\r\nhi\r\n"
        raw_post(client, email_channel, raw.encode())
    assert Message.objects.get(external_id="<s0@x>").ticket_id == mail_ticket.pk
    assert Message.objects.get(external_id="<s1@x>").ticket_id != sms_ticket.pk


def test_automatic_mail_is_marked_auto_submitted(tenant, email_channel, django_capture_on_commit_callbacks):
    contact = ContactFactory(tenant=tenant)
    IdentityFactory(contact=contact, kind="email", address="camille@example.com")
    from crm.services.messages import outbound_create

    with django_capture_on_commit_callbacks(execute=True):
        outbound_create(
            tenant=tenant, contact=contact, channel=email_channel, text="Your receipt", purpose="transactional"
        )
    assert mail.outbox[-1].extra_headers["Auto-Submitted"] == "auto-generated"


def test_amazon_ses_bounce_fails_the_sent_message(client, tenant):
    channel = ChannelFactory(tenant=tenant, kind="email", provider="amazon_ses", credentials={"webhook_secret": BASIC})
    contact = ContactFactory(tenant=tenant)
    message = stored_message(channel=channel, contact=contact, external_id="ses-outbound-0001")
    data = payload("email/ses_bounce.json")
    headers = {**basic_auth(BASIC), "x-amz-sns-message-type": "Notification", "x-amz-sns-message-id": data["MessageId"]}
    assert post(client, channel, json.dumps(data), "text/plain", headers).status_code == 200
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "550" in message.error
    assert Event.objects.get(name="email.bounced").contact_id == contact.pk


def test_mailgun_click_becomes_an_event_journeys_can_wait_for(client, tenant):
    channel = ChannelFactory(
        tenant=tenant, kind="email", provider="mailgun", credentials={"webhook_signing_key": MAILGUN_KEY}
    )
    contact = ContactFactory(tenant=tenant)
    stored_message(
        channel=channel,
        contact=contact,
        external_id="<20261123101500.1.ABCDEF@shop.example>",
        status=MessageStatus.DELIVERED,
    )
    body = json.dumps(mailgun_signed(payload("email/mailgun_tracking_clicked.json"), MAILGUN_KEY))
    assert post(client, channel, body, "application/json").status_code == 200
    assert (
        Event.objects.get(name="email.clicked", contact=contact).properties["url"]
        == "https://shop.example/offers/winter"
    )


def test_a_click_enrols_the_contact_in_a_journey_waiting_for_it(client, tenant, postmark, sent_email):
    from journeys.models import Enrollment
    from journeys.services.journeys import journey_create

    journey_create(
        tenant=tenant,
        name="After a click",
        trigger_event="email.clicked",
        goal_event="",
        steps=[{"type": "wait", "seconds": 3600}],
    )
    post(client, postmark, json.dumps(payload("email/postmark_click.json")), "application/json", basic_auth(BASIC))
    assert Enrollment.objects.filter(contact=sent_email.contact).count() == 1
