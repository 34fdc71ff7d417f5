"""Polling a real Dovecot mailbox: mail becomes messages once, by UID, whatever happens to the
folder; nothing on the server is touched unless the channel says so; a refused login backs off
with its reason on the channel, and polling recovers once the credentials are fixed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channels_app.mailbox.poll import mailbox_poll
from channels_app.models import MailboxState, PayloadState, WebhookPayload
from channels_app.tasks import mailboxes_poll_task
from crm.models import Direction, Membership, Message, Ticket
from crm.services.tenants import channel_update
from tests.factories import ChannelFactory

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def mail(n: int, *, sender: str = "alice@customer.example", subject: str = "", headers: str = "") -> bytes:
    subject = subject or f"Order {4400 + n} is late"
    return (
        f"From: Alice Martin <{sender}>\r\nTo: support@shop.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <m{n}@customer.example>\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n{headers}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nWhere is my order {4400 + n}? Merci.\r\n"
    ).encode()


def test_a_mail_in_the_mailbox_becomes_a_message_and_a_ticket(mailbox_channel, imap):
    imap.append("INBOX", mail(1))
    result = mailbox_poll(channel=mailbox_channel)
    assert (result.created, result.duplicates, result.error) == (1, 0, "")
    message = Message.objects.get()
    assert message.direction == Direction.INBOUND and message.channel == mailbox_channel
    assert message.external_id == "<m1@customer.example>" and message.subject == "Order 4401 is late"
    assert message.text == "Where is my order 4401? Merci." and message.contact.name == "Alice Martin"
    assert message.ticket.channel == mailbox_channel
    state = MailboxState.objects.get(channel=mailbox_channel)
    assert state.last_uid == 1 and state.uidvalidity and state.imported == 1


def test_polling_again_creates_nothing_new(mailbox_channel, imap):
    imap.append("INBOX", mail(1))
    imap.append("INBOX", mail(2))
    assert mailbox_poll(channel=mailbox_channel).created == 2
    again = mailbox_poll(channel=mailbox_channel)
    assert (again.created, again.duplicates, again.fetched) == (0, 0, 0)
    imap.append("INBOX", mail(3))
    assert mailbox_poll(channel=mailbox_channel).created == 1
    assert Message.objects.count() == 3


def test_the_same_mail_fetched_again_is_not_stored_twice(mailbox_channel, imap):
    """A mail the folder holds twice (copied, or re-read) is one message."""
    imap.append("INBOX", mail(1))
    imap.append("INBOX", mail(1))
    result = mailbox_poll(channel=mailbox_channel)
    assert (result.created, result.duplicates) == (1, 1) and Message.objects.count() == 1


def test_a_recreated_folder_is_read_again_without_duplicates(mailbox_channel, imap, tenant):
    channel_update(
        channel=mailbox_channel,
        changes={"credentials": {**mailbox_channel.credentials, "mailbox": "Support"}},
        by="test",
    )
    imap.create_folder("Support")
    imap.append("Support", mail(1))
    imap.append("Support", mail(2, headers=""))
    assert mailbox_poll(channel=mailbox_channel).created == 2
    before = MailboxState.objects.get(channel=mailbox_channel).uidvalidity
    imap.delete_folder("Support")
    imap.create_folder("Support")
    for n in (1, 2, 3):
        imap.append("Support", mail(n))
    result = mailbox_poll(channel=mailbox_channel)
    state = MailboxState.objects.get(channel=mailbox_channel)
    assert state.uidvalidity != before and state.last_uid == 3
    assert (result.created, result.duplicates) == (1, 2)
    assert Message.objects.count() == 3


def test_a_mail_without_message_id_is_not_duplicated_by_a_recreated_folder(mailbox_channel, imap):
    raw = b"From: bob@customer.example\r\nTo: support@shop.example\r\nSubject: no id\r\n\r\nhello\r\n"
    imap.append("INBOX", raw)
    assert mailbox_poll(channel=mailbox_channel).created == 1
    MailboxState.objects.filter(channel=mailbox_channel).update(uidvalidity=1, last_uid=0)  # as after a change
    assert mailbox_poll(channel=mailbox_channel).duplicates == 1 and Message.objects.count() == 1


def test_a_poll_imports_a_bounded_batch(mailbox_channel, imap, settings):
    settings.MAILBOX_FETCH_CHUNK = 2
    for n in range(5):
        imap.append("INBOX", mail(n))
    first = mailbox_poll(channel=mailbox_channel, batch=3)
    assert (first.created, first.more) == (3, True)
    assert MailboxState.objects.get(channel=mailbox_channel).last_uid == 3
    second = mailbox_poll(channel=mailbox_channel, batch=3)
    assert (second.created, second.more) == (2, False) and Message.objects.count() == 5


def test_nothing_is_flagged_or_deleted_by_default(mailbox_channel, imap):
    imap.append("INBOX", mail(1))
    imap.append("INBOX", mail(2), flags=[b"\\Flagged"])
    mailbox_poll(channel=mailbox_channel)
    imap.select_folder("INBOX", readonly=True)
    flags = {uid: set(f[b"FLAGS"]) - {b"\\Recent"} for uid, f in imap.fetch([1, 2], ["FLAGS"]).items()}
    assert flags == {1: set(), 2: {b"\\Flagged"}}  # not \Seen: fetched with BODY.PEEK


@pytest.mark.parametrize(
    ("option", "check"),
    [
        ({"after_import": "seen"}, lambda imap: imap.select_folder("INBOX")[b"EXISTS"] == 1 and imap.search(["SEEN"])),
        ({"after_import": "delete"}, lambda imap: imap.select_folder("INBOX")[b"EXISTS"] == 0),
        (
            {"after_import": "move", "move_to": "Imported"},
            lambda imap: imap.select_folder("INBOX")[b"EXISTS"] == 0 and imap.select_folder("Imported")[b"EXISTS"] == 1,
        ),
    ],
)
def test_after_import_the_channel_may_mark_move_or_delete(mailbox_channel, imap, option, check):
    if option.get("move_to"):
        imap.create_folder(option["move_to"])
    channel_update(
        channel=mailbox_channel, changes={"credentials": {**mailbox_channel.credentials, **option}}, by="test"
    )
    imap.append("INBOX", mail(1))
    assert mailbox_poll(channel=mailbox_channel).created == 1
    assert check(imap)


def test_a_mail_that_cannot_be_used_is_kept_and_polling_goes_on(mailbox_channel, imap):
    imap.append("INBOX", b"To: support@shop.example\r\nSubject: who sent this?\r\n\r\nno sender\r\n")
    imap.append("INBOX", mail(2))
    result = mailbox_poll(channel=mailbox_channel)
    assert (result.created, result.kept) == (1, 1)
    kept = WebhookPayload.objects.get()
    assert kept.state == PayloadState.REJECTED and "From" in kept.error and b"who sent this?" in kept.body
    assert kept.content_type == "message/rfc822" and ";UID=1" in kept.path
    assert MailboxState.objects.get(channel=mailbox_channel).last_uid == 2


def test_a_refused_login_backs_off_with_its_reason_then_recovers(mailbox_channel, imap, admin_api):
    imap.append("INBOX", mail(1))
    credentials = {**mailbox_channel.credentials, "password": "wrong"}
    channel_update(channel=mailbox_channel, changes={"credentials": credentials}, by="test")
    failed = mailbox_poll(channel=mailbox_channel)
    assert "login refused" in failed.error and "AUTHENTICATIONFAILED" in failed.error
    state = MailboxState.objects.get(channel=mailbox_channel)
    assert state.failures == 1 and state.retry_at > timezone.now() and "login refused" in state.error
    shown = admin_api.get(f"/api/v1/channels/{mailbox_channel.pk}/").json()["provider_status"]
    assert shown["state"] == "failing" and "login refused" in shown["error"] and shown["retry_at"]
    assert mailbox_poll(channel=mailbox_channel).skipped == "backoff"  # not before retry_at
    MailboxState.objects.filter(pk=state.pk).update(retry_at=timezone.now() - timedelta(seconds=1))
    assert mailbox_poll(channel=mailbox_channel).error
    state.refresh_from_db()
    assert state.failures == 2 and state.retry_at - state.last_polled_at == timedelta(seconds=120)  # doubled

    assert mailbox_poll(channel=mailbox_channel).skipped == "backoff"
    # the credentials fixed: tried at once, whatever the backoff
    channel_update(channel=mailbox_channel, changes={"credentials": {**credentials, "password": PASSWORD}}, by="test")
    assert mailbox_poll(channel=mailbox_channel).created == 1
    state.refresh_from_db()
    assert (state.failures, state.error, state.retry_at) == (0, "", None)
    shown = admin_api.get(f"/api/v1/channels/{mailbox_channel.pk}/").json()["provider_status"]
    assert shown["state"] == "ok" and shown["imported"] == 1


def test_an_unreachable_server_is_a_failure_with_its_reason(mailbox_channel):
    credentials = {**mailbox_channel.credentials, "imap_port": "1"}
    channel_update(channel=mailbox_channel, changes={"credentials": credentials}, by="test")
    result = mailbox_poll(channel=mailbox_channel)
    assert "cannot connect to 127.0.0.1:1" in result.error
    assert MailboxState.objects.get(channel=mailbox_channel).failures == 1


def test_a_second_poller_skips_a_mailbox_being_polled(mailbox_channel, imap):
    imap.append("INBOX", mail(1))
    mailbox_poll(channel=mailbox_channel)
    MailboxState.objects.filter(channel=mailbox_channel).update(leased_until=timezone.now() + timedelta(minutes=5))
    imap.append("INBOX", mail(2))
    assert mailbox_poll(channel=mailbox_channel).skipped == "busy" and Message.objects.count() == 1


def test_a_disabled_channel_is_not_polled(mailbox_channel, imap):
    imap.append("INBOX", mail(1))
    channel_update(channel=mailbox_channel, changes={"enabled": False}, by="test")
    assert mailbox_poll(channel=mailbox_channel).skipped == "disabled" and not Message.objects.exists()


def test_the_command_polls_once(mailbox_channel, imap, capsys):
    imap.append("INBOX", mail(1))
    call_command("poll_mailboxes", "--once")
    assert f"channel {mailbox_channel.pk}: 1 new, 0 already stored" in capsys.readouterr().out
    call_command("poll_mailboxes", "--once", "--channel", str(mailbox_channel.pk))
    assert "0 new" in capsys.readouterr().out and Ticket.objects.count() == 1
    with pytest.raises(CommandError, match="No mailbox channel"):
        call_command("poll_mailboxes", "--once", "--channel", "999999")


def test_the_periodic_task_polls_every_enabled_mailbox(mailbox_channel, imap, tenant):
    disabled = ChannelFactory(tenant=tenant, kind="email", provider="imap", enabled=False, credentials={})
    imap.append("INBOX", mail(1))
    assert mailboxes_poll_task.delay().get() == 1  # one mailbox enabled: one poll task (run inline here)
    assert Message.objects.filter(channel=mailbox_channel).count() == 1
    assert not MailboxState.objects.filter(channel=disabled).exists()


def test_the_queries_of_a_poll_grow_with_the_mails_only(mailbox_channel, imap, settings):
    """Per mail: the raw path's ingestion and nothing more; per chunk of mails: one write of the
    mailbox's state; per poll: a few, whatever the history."""
    settings.MAILBOX_FETCH_CHUNK = 100

    def queries_for(first: int, count: int) -> int:
        for n in range(first, first + count):
            imap.append("INBOX", mail(n))
        with CaptureQueriesContext(connection) as captured:
            assert mailbox_poll(channel=mailbox_channel).created == count
        return len(captured)

    queries_for(0, 1)  # the contact and ticket exist from here on
    three, six = queries_for(1, 3), queries_for(4, 6)
    per_mail = (six - three) / 3
    assert six == three + 3 * per_mail and three - 3 * per_mail <= 8


def test_the_command_says_which_mailbox_failed_and_polls_the_others(mailbox_channel, imap, tenant, capsys):
    broken = ChannelFactory(
        tenant=tenant, kind="email", provider="imap", credentials={**mailbox_channel.credentials, "password": "no"}
    )
    imap.append("INBOX", mail(1))
    with pytest.raises(CommandError, match="1 mailbox"):
        call_command("poll_mailboxes", "--once")
    out = capsys.readouterr()
    assert f"channel {broken.pk}: login refused" in out.err and f"channel {mailbox_channel.pk}: 1 new" in out.out


def test_the_channels_admin_page_shows_why_the_mailbox_fails(mailbox_channel, tenant, client):
    credentials = {**mailbox_channel.credentials, "password": "wrong"}
    channel_update(channel=mailbox_channel, changes={"credentials": credentials}, by="test")
    mailbox_poll(channel=mailbox_channel)
    user = get_user_model().objects.create_user(username="admin-a", password="pw", is_staff=True)
    Membership.objects.create(tenant=tenant, user=user, role="admin")
    client.force_login(user)
    page = client.get(f"/admin/crm/channel/{mailbox_channel.pk}/change/")
    assert page.status_code == 200
    assert "state: failing" in page.content.decode() and "login refused" in page.content.decode()
