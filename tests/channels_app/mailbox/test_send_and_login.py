"""A mailbox channel's replies go out through its own SMTP server (aiosmtpd here), threaded so
the customer's client and the product keep one conversation; logins by password or XOAUTH2,
over plain, STARTTLS and implicit TLS; credentials checked when the channel is created; the
IDLE loop imports mail as the server announces it."""

from __future__ import annotations

import queue
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from channels_app.mailbox import idle
from channels_app.mailbox.poll import mailbox_poll
from channels_app.mailbox.smtp import xoauth2_string
from channels_app.models import MailboxState
from crm.models import Channel, Direction, Message, MessageStatus, Ticket
from crm.services.messages import ticket_reply
from crm.services.tenants import channel_update
from tests.factories import ChannelFactory

from .test_poll import mail

pytestmark = pytest.mark.django_db


def _reply(tenant, ticket, django_capture_on_commit_callbacks, text="Your parcel left our warehouse today."):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(tenant=tenant, ticket=ticket, text=text, author="agent@shop.example")
    return Message.objects.filter(direction=Direction.OUTBOUND).latest("pk")


def test_a_reply_goes_out_through_the_channels_smtp_threaded_and_the_answer_joins_the_ticket(
    tenant, mailbox_channel, mail_user, imap, smtp_sink, django_capture_on_commit_callbacks, mailoutbox
):
    imap.append("INBOX", mail(1, headers="References: <older@customer.example>\r\n"))
    mailbox_poll(channel=mailbox_channel)
    ticket = Ticket.objects.get()

    reply = _reply(tenant, ticket, django_capture_on_commit_callbacks)
    assert reply.status == MessageStatus.SENT and not mailoutbox  # not the installation's EMAIL_BACKEND
    sent = smtp_sink.mails[-1]
    assert sent.login == mail_user and sent.rcpt_tos == ["alice@customer.example"]
    headers = sent.message
    assert headers["From"] == mail_user and headers["Message-ID"] == reply.metadata["message_id"]
    assert headers["In-Reply-To"] == "<m1@customer.example>"
    assert "<m1@customer.example>" in headers["References"]
    assert headers["Reply-To"].startswith(mail_user.split("@")[0] + f"+{ticket.pk}-")  # back to the mailbox
    assert f"[#{ticket.pk}]" in headers["Subject"]

    answer = (
        f"From: alice@customer.example\r\nTo: {mail_user}\r\nSubject: Re: {headers['Subject']}\r\n"
        f"Message-ID: <answer@customer.example>\r\nIn-Reply-To: {headers['Message-ID']}\r\n"
        f"References: <m1@customer.example> {headers['Message-ID']}\r\n\r\nThanks!\r\n\r\n"
        f"On Tue, Dec 1, 2026 at 10:00 AM Support wrote:\r\n> Your parcel left\r\n"
    ).encode()
    imap.append("INBOX", answer)
    assert mailbox_poll(channel=mailbox_channel).created == 1
    threaded = Message.objects.get(external_id="<answer@customer.example>")
    assert threaded.ticket_id == ticket.pk and threaded.text == "Thanks!"
    assert Ticket.objects.count() == 1


def test_a_customer_answering_to_the_plus_address_without_headers_joins_the_ticket(
    tenant, mailbox_channel, mail_user, imap, smtp_sink, django_capture_on_commit_callbacks
):
    imap.append("INBOX", mail(1))
    mailbox_poll(channel=mailbox_channel)
    ticket = Ticket.objects.get()
    _reply(tenant, ticket, django_capture_on_commit_callbacks)
    reply_to = smtp_sink.mails[-1].message["Reply-To"]
    Ticket.objects.filter(pk=ticket.pk).update(status="resolved")
    imap.append(
        "INBOX",
        mail(2, subject="Another thing", headers="").replace(b"To: support@shop.example", f"To: {reply_to}".encode()),
    )
    mailbox_poll(channel=mailbox_channel)
    assert Message.objects.get(external_id="<m2@customer.example>").ticket_id == ticket.pk


def test_a_copy_of_each_reply_can_go_to_the_sent_folder(
    tenant, mailbox_channel, imap, smtp_sink, django_capture_on_commit_callbacks
):
    imap.create_folder("Sent")
    credentials = {**mailbox_channel.credentials, "sent_folder": "Sent"}
    channel_update(channel=mailbox_channel, changes={"credentials": credentials}, by="test")
    imap.append("INBOX", mail(1))
    mailbox_poll(channel=mailbox_channel)
    reply = _reply(tenant, Ticket.objects.get(), django_capture_on_commit_callbacks)
    imap.select_folder("Sent", readonly=True)
    (uid,) = imap.search(["ALL"])
    copy = imap.fetch([uid], ["BODY.PEEK[]", "FLAGS"])[uid]
    assert reply.metadata["message_id"].encode() in copy[b"BODY[]"] and b"\\Seen" in copy[b"FLAGS"]
    # and the copy is not imported as a customer's mail: only the configured folder is read
    assert mailbox_poll(channel=mailbox_channel).fetched == 0


def test_smtp_refusing_the_login_is_a_retryable_failure(
    tenant, mailbox_channel, mail_user, imap, smtp_sink, django_capture_on_commit_callbacks
):
    imap.append("INBOX", mail(1))
    mailbox_poll(channel=mailbox_channel)
    smtp_sink.users[mail_user] = "another password"
    reply = _reply(tenant, Ticket.objects.get(), django_capture_on_commit_callbacks)
    assert reply.status != MessageStatus.SENT and not smtp_sink.mails
    assert "SMTPAuthenticationError" in reply.delivery_attempts.first().error


def test_xoauth2_logs_in_to_imap_and_smtp_with_the_access_token(
    tenant, dovecot, mail_user, imap, smtp_sink, django_capture_on_commit_callbacks
):
    """Dovecot checks the token of the XOAUTH2 exchange (its passdb for XOAUTH2 only holds
    tokens, so a password would not pass); aiosmtpd decodes the SASL string."""
    token = "ya29.test-access-token"
    smtp_sink.users[mail_user] = token
    credentials = {
        "imap_host": "127.0.0.1", "imap_port": str(dovecot.port), "imap_security": "none", "username": mail_user,
        "oauth2_token": token, "smtp_host": "127.0.0.1", "smtp_port": str(smtp_sink.port), "smtp_security": "none",
    }  # fmt: skip
    channel = ChannelFactory(tenant=tenant, kind="email", provider="imap", address=mail_user, credentials=credentials)
    imap.append("INBOX", mail(1))
    assert mailbox_poll(channel=channel).created == 1
    reply = _reply(tenant, Ticket.objects.get(), django_capture_on_commit_callbacks)
    assert reply.status == MessageStatus.SENT and smtp_sink.mails[-1].login == mail_user

    channel_update(channel=channel, changes={"credentials": {**credentials, "oauth2_token": "expired"}}, by="test")
    failed = mailbox_poll(channel=channel)
    assert "login refused" in failed.error and MailboxState.objects.get(channel=channel).failures == 1


def test_the_xoauth2_string_is_the_one_google_and_microsoft_document():
    assert xoauth2_string("someuser@example.com", "ya29.vF9dft4") == (
        "user=someuser@example.com\x01auth=Bearer ya29.vF9dft4\x01\x01"
    )


@pytest.mark.parametrize(("security", "port"), [("ssl", "ssl_port"), ("starttls", "port")])
def test_tls_to_the_server_is_verified(mailbox_channel, imap, dovecot, settings, security, port):
    credentials = {**mailbox_channel.credentials, "imap_security": security, "imap_port": str(getattr(dovecot, port))}
    channel_update(channel=mailbox_channel, changes={"credentials": credentials}, by="test")
    imap.append("INBOX", mail(1))
    untrusted = mailbox_poll(channel=mailbox_channel)
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.error
    settings.MAILBOX_CA_FILE = dovecot.cert
    MailboxState.objects.filter(channel=mailbox_channel).update(retry_at=None)
    assert mailbox_poll(channel=mailbox_channel).created == 1


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"smtp_host": ""}, "'smtp_host' is required by imap"),
        ({"imap_host": ""}, "'imap_host' is required by imap"),
        ({"password": ""}, "'password' or 'oauth2_token' is required by imap"),
        ({"imap_security": "tls"}, "'imap_security' must be one of ssl, starttls, none"),
        ({"imap_port": "99999"}, "'imap_port' must be a port number"),
        ({"after_import": "move"}, "'move_to' is required when 'after_import' is move"),
    ],
)
def test_the_api_refuses_incomplete_credentials_naming_the_key(admin_api, credentials, change, named):
    body = {"kind": "email", "name": "Mailbox", "provider": "imap", "credentials": {**credentials, **change}}
    response = admin_api.post("/api/v1/channels/", body, format="json")
    assert response.status_code == 400
    assert any(named in error for error in response.json()["errors"]["credentials"])
    assert not Channel.objects.filter(provider="imap").exists()


def test_the_api_creates_a_mailbox_channel_and_shows_its_status(admin_api, credentials):
    body = {"kind": "email", "name": "Mailbox", "provider": "imap", "credentials": credentials}
    response = admin_api.post("/api/v1/channels/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["provider_status"]["state"] == "never_polled"
    assert "password" not in response.json() and "password" in response.json()["credentials_set"]
    sms = admin_api.post("/api/v1/channels/", {**body, "kind": "sms"}, format="json")
    assert sms.status_code == 400 and "provider" in sms.json()["errors"]


@pytest.mark.django_db(transaction=True)
def test_the_idle_loop_imports_mail_as_the_server_announces_it(tenant, mailbox_channel, imap, monkeypatch):
    """The loop's polls are watched through a queue (the test reads the database only once
    the loop has stopped: SQLite's shared in-memory database locks a table being written)."""
    polls: queue.Queue = queue.Queue()

    def watched_poll(**kwargs):
        result = mailbox_poll(**kwargs)
        polls.put(result.created)
        return result

    monkeypatch.setattr(idle, "mailbox_poll", watched_poll)
    imap.append("INBOX", mail(1))
    stop = threading.Event()
    watcher = threading.Thread(
        target=idle.mailbox_watch, kwargs={"channel_id": mailbox_channel.pk, "stop": stop, "idle_seconds": 30}
    )
    watcher.start()
    try:
        assert polls.get(timeout=20) == 1
        imap.append("INBOX", mail(2))  # announced by the server during IDLE (or seen by UIDNEXT)
        assert polls.get(timeout=20) == 1
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert not watcher.is_alive() and polls.empty()  # no poll without new mail
    assert Message.objects.count() == 2
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_the_command_without_once_watches_until_told_to_stop(tenant, mailbox_channel, imap, capsys):
    imap.append("INBOX", mail(1))
    call_command("poll_mailboxes", "--for", "3")  # one IDLE loop per mailbox, stopped after 3 s
    assert f"channel {mailbox_channel.pk}: watching" in capsys.readouterr().out
    assert Message.objects.filter(channel=mailbox_channel).count() == 1
    connection.close()
