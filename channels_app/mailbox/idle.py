"""Watching mailboxes without polling them all the time: per channel, a loop that imports new
mail, then waits in IMAP IDLE (RFC 2177) for the server to announce more, for at most
``MAILBOX_IDLE_SECONDS`` before polling anyway. A server without IDLE is polled every
``MAILBOX_POLL_SECONDS``; a failing one after its backoff."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from imapclient.exceptions import IMAPClientError

from channels_app.models import MailboxState
from crm.models import Channel

from .config import mailbox_config
from .imap import MailboxUnavailable, mailbox_connection
from .poll import PROVIDER, mailbox_poll

logger = logging.getLogger("channels.mailbox")
CHECK_SECONDS = 1.0  # how often a wait looks at the stop event


def idle_wait(*, channel: Channel, stop: threading.Event, seconds: float, uidnext: int) -> bool | None:
    """Wait in IDLE until the server announces new mail (``True``), ``seconds`` pass or ``stop``
    is set (``False``). ``None`` when the server does not offer IDLE. Mail that arrived after
    the poll saw ``uidnext``, before IDLE began, is new mail too."""
    config = mailbox_config(channel.credentials)
    with mailbox_connection(config) as client:
        if not client.has_capability("IDLE"):
            return None
        folder = client.select_folder(config.mailbox, readonly=True)
        if int(folder.get(b"UIDNEXT", 0)) > uidnext:
            return True
        client.idle()
        try:
            deadline = time.monotonic() + seconds
            while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
                responses = client.idle_check(timeout=min(CHECK_SECONDS, left))
                if any(len(r) > 1 and r[1] == b"EXISTS" for r in responses):
                    return True
            return False
        finally:
            client.idle_done()


def _pause(channel_id: int) -> float:
    """Seconds to wait after a poll that failed or was skipped."""
    retry_at = MailboxState.objects.filter(channel_id=channel_id).values_list("retry_at", flat=True).first()
    if retry_at:
        return max(1.0, (retry_at - timezone.now()).total_seconds())
    return settings.MAILBOX_POLL_SECONDS


def mailbox_watch(*, channel_id: int, stop: threading.Event, idle_seconds: float | None = None) -> None:
    """Import a mailbox's mail as it arrives until ``stop`` is set, the channel is disabled or
    deleted, or it stops being a mailbox channel."""
    idle_seconds = idle_seconds or settings.MAILBOX_IDLE_SECONDS
    try:
        while not stop.is_set():
            close_old_connections()
            channel = Channel.objects.select_related("tenant").filter(pk=channel_id, provider=PROVIDER).first()
            if channel is None or not channel.enabled:
                return
            result = mailbox_poll(channel=channel)
            if result.more:
                continue
            if result.error or result.skipped:
                stop.wait(_pause(channel_id))
                continue
            try:
                announced = idle_wait(channel=channel, stop=stop, seconds=idle_seconds, uidnext=result.uidnext)
            except (MailboxUnavailable, OSError, IMAPClientError) as exc:
                logger.info("mailbox of channel %s: IDLE ended: %s", channel_id, exc)
                announced = stop.wait(settings.MAILBOX_POLL_SECONDS)
            if announced is None:
                stop.wait(settings.MAILBOX_POLL_SECONDS)
    finally:
        connection.close()
