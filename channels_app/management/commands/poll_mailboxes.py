"""``manage.py poll_mailboxes [--once] [--channel ID]``: fetch new mail of e-mail mailbox
channels (provider ``imap``). With ``--once``, each mailbox is polled once (one batch) and the
command exits; without it, one IDLE loop per mailbox (at most ``MAILBOX_MAX_CONNECTIONS``) runs
until the process is stopped (or ``--for`` seconds pass), and new channels are picked up."""

from __future__ import annotations

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from channels_app.mailbox.idle import mailbox_watch
from channels_app.mailbox.poll import PROVIDER, PollResult, mailbox_channels, mailbox_poll
from crm.models import Channel

logger = logging.getLogger("channels.mailbox")


class Command(BaseCommand):
    help = "Fetch new mail of the e-mail mailbox channels (IMAP)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="poll each mailbox once, then exit")
        parser.add_argument("--channel", type=int, help="only this channel")
        parser.add_argument("--batch", type=int, help=f"mails per mailbox and poll (default {settings.MAILBOX_BATCH})")
        parser.add_argument("--for", dest="duration", type=float, help="stop the IDLE loops after this many seconds")

    def handle(self, *args, once, channel, batch, duration, **options):
        channels = self._channels(channel)
        if once:
            failed = 0
            for item in channels:
                try:
                    result = mailbox_poll(channel=item, batch=batch)
                except Exception as exc:  # one mailbox's trouble does not keep the others from being polled
                    logger.exception("mailbox of channel %s: poll failed", item.pk)
                    result = PollResult(error=f"{type(exc).__name__}: {exc}")
                failed += bool(result.error)
                self._report(item, result)
            if failed:
                raise CommandError(f"{failed} mailbox(es) could not be polled.")
            return
        self._watch(only=channel, duration=duration)

    def _channels(self, channel_id: int | None) -> list[Channel]:
        if channel_id is None:
            return mailbox_channels()
        found = Channel.objects.select_related("tenant").filter(pk=channel_id, provider=PROVIDER).first()
        if found is None:
            raise CommandError(f"No mailbox channel (provider {PROVIDER!r}) with id {channel_id}.")
        return [found]

    def _report(self, channel: Channel, result: PollResult) -> None:
        if result.error:
            self.stderr.write(f"channel {channel.pk}: {result.error}")
        elif result.skipped:
            self.stdout.write(f"channel {channel.pk}: skipped ({result.skipped})")
        else:
            more = ", more waiting" if result.more else ""
            self.stdout.write(
                f"channel {channel.pk}: {result.created} new, {result.duplicates} already stored, "
                f"{result.kept} kept for inspection{more}"
            )

    def _watch(self, *, only: int | None, duration: float | None) -> None:
        stop = threading.Event()
        previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._supervise(stop=stop, only=only, duration=duration)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _supervise(self, *, stop: threading.Event, only: int | None, duration: float | None) -> None:
        """Start a watcher per mailbox (and for mailboxes added later) until ``stop`` is set."""
        if duration:
            timer = threading.Timer(duration, stop.set)
            timer.daemon = True
            timer.start()
        watchers: dict[int, threading.Thread] = {}
        while not stop.is_set():
            for item in self._channels(only):
                alive = item.pk in watchers and watchers[item.pk].is_alive()
                if not alive and len([t for t in watchers.values() if t.is_alive()]) < settings.MAILBOX_MAX_CONNECTIONS:
                    watchers[item.pk] = threading.Thread(
                        target=mailbox_watch, kwargs={"channel_id": item.pk, "stop": stop}, daemon=True
                    )
                    watchers[item.pk].start()
                    self.stdout.write(f"channel {item.pk}: watching {item.address or item.name}")
            stop.wait(settings.MAILBOX_POLL_SECONDS)
        for thread in watchers.values():
            thread.join(timeout=settings.MAILBOX_TIMEOUT)
