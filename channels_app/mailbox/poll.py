"""Polling a mailbox: new mail by UID, through the same parsing and ingestion as a raw e-mail
post (``EmailAdapter.raw_event``, ``webhook_events_apply``).

Per channel, ``MailboxState`` keeps the folder's UIDVALIDITY and the highest UID imported. A
poll fetches the UIDs above it (``BODY.PEEK[]``: the server sets no ``\\Seen``), at most
``MAILBOX_BATCH`` of them, ``MAILBOX_FETCH_CHUNK`` at a time, and moves the UID forward after
each chunk is stored. A changed UIDVALIDITY (the folder was recreated) reads the folder again
from the start: the mails already imported meet their unique key (Message-ID, or the SHA-256 of
the mail without one) and create nothing. A mail that cannot be used is kept as a payload for
the admin's replay, never dropped. Nothing is flagged, moved or deleted on the server unless the
channel's ``after_import`` says so.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DataError
from django.db.models import Q
from django.utils import timezone
from imapclient import DELETED, SEEN, IMAPClient
from imapclient.exceptions import IMAPClientError

from channels_app.adapters.registry import registry
from channels_app.errors import WebhookUnparseable
from channels_app.models import MailboxState, PayloadState, WebhookPayload
from channels_app.services.inbound import storable_text, webhook_events_apply, webhook_events_check
from crm.errors import ApplicationError
from crm.models import Channel

from .config import MailboxConfig, mailbox_config
from .imap import MailboxUnavailable, mailbox_connection

logger = logging.getLogger("channels.mailbox")
PROVIDER = "imap"


@dataclass
class PollResult:
    created: int = 0
    duplicates: int = 0
    kept: int = 0  # mails that could not be used, kept for the admin's replay
    more: bool = False  # mail is left beyond this poll's batch
    skipped: str = ""  # "backoff", "busy" or "disabled": the mailbox was not polled
    error: str = ""
    uidnext: int = 0  # the folder's UIDNEXT when it was read: mail arriving later is above it

    @property
    def fetched(self) -> int:
        return self.created + self.duplicates + self.kept


def _state(channel: Channel) -> MailboxState:
    state, _ = MailboxState.objects.get_or_create(tenant_id=channel.tenant_id, channel=channel)
    return state


def _lease(state: MailboxState, now) -> bool:
    """Take the mailbox for this poller unless another one holds it (or it is in backoff)."""
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    due = Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    until = now + timedelta(seconds=settings.MAILBOX_LEASE_SECONDS)
    return bool(MailboxState.objects.filter(free, due, pk=state.pk).update(leased_until=until))


def credentials_digest(channel: Channel) -> str:
    return hashlib.sha256(json.dumps(channel.credentials, sort_keys=True).encode()).hexdigest()


def _failure(state: MailboxState, channel: Channel, reason: str, now) -> None:
    """One more failure in a row: wait twice as long as last time before the next attempt."""
    failures = state.failures + 1
    delay = min(settings.MAILBOX_BACKOFF_SECONDS * 2 ** (failures - 1), settings.MAILBOX_BACKOFF_MAX_SECONDS)
    MailboxState.objects.filter(pk=state.pk).update(
        failures=failures,
        error=storable_text(reason),
        retry_at=now + timedelta(seconds=delay),
        last_polled_at=now,
        failed_credentials=credentials_digest(channel),
    )
    logger.warning("mailbox of channel %s: %s (attempt %s, next in %ss)", state.channel_id, reason, failures, delay)


def mail_keep(*, channel: Channel, raw: bytes, where: str, error: str) -> None:
    """Keep a mail that could not be used, as the raw post it would have been (replayable)."""
    WebhookPayload.objects.bulk_create(
        [
            WebhookPayload(
                tenant_id=channel.tenant_id,
                channel=channel,
                provider=channel.provider,
                state=PayloadState.REJECTED,
                error=storable_text(error[:5000]),
                path=where[:2000],
                content_type="message/rfc822",
                headers={"Content-Type": "message/rfc822"},
                body_b64=base64.b64encode(raw).decode(),
                body_sha256=hashlib.sha256(raw).hexdigest(),
            )
        ],
        ignore_conflicts=True,
    )


def mail_import(*, channel: Channel, raw: bytes, where: str) -> str:
    """Store one raw mail of the mailbox: ``created``, ``duplicate`` or ``kept``."""
    adapter = registry.get(channel.provider)
    try:
        events = webhook_events_check(events=[adapter.raw_event(raw, channel)])
        outcome = webhook_events_apply(channel=channel, events=events)
    except (WebhookUnparseable, ApplicationError, DataError) as exc:
        mail_keep(channel=channel, raw=raw, where=where, error=str(exc))
        return "kept"
    except (ValueError, LookupError, TypeError, UnicodeError) as exc:  # a mail the parser chokes on
        logger.warning("mailbox of channel %s: %s cannot be read", channel.pk, where, exc_info=True)
        mail_keep(channel=channel, raw=raw, where=where, error=f"cannot be read: {type(exc).__name__}: {exc}")
        return "kept"
    return "duplicate" if outcome.ingested[0].duplicate else "created"


def _after_import(client: IMAPClient, config: MailboxConfig, uids: list[int]) -> None:
    """What the channel asked to be done to the mails it imported (by default: nothing)."""
    if config.after_import == "seen":
        client.add_flags(uids, [SEEN], silent=True)
    elif config.after_import == "move":
        if client.has_capability("MOVE"):
            client.move(uids, config.move_to)
        else:
            client.copy(uids, config.move_to)
            _delete(client, uids)
    elif config.after_import == "delete":
        _delete(client, uids)


def _delete(client: IMAPClient, uids: list[int]) -> None:
    client.add_flags(uids, [DELETED], silent=True)
    client.uid_expunge(uids) if client.has_capability("UIDPLUS") else client.expunge()


def _new_uids(client: IMAPClient, state: MailboxState, folder: dict) -> list[int]:
    """UIDs above the last one imported; all of them when the folder's UIDVALIDITY changed."""
    uidvalidity = int(folder[b"UIDVALIDITY"])
    if state.uidvalidity != uidvalidity:
        if state.uidvalidity is not None:
            logger.warning(
                "mailbox of channel %s: UIDVALIDITY %s -> %s, reading the folder again",
                state.channel_id,
                state.uidvalidity,
                uidvalidity,
            )
        state.uidvalidity, state.last_uid = uidvalidity, 0
        MailboxState.objects.filter(pk=state.pk).update(uidvalidity=uidvalidity, last_uid=0)
    if int(folder.get(b"EXISTS", 1)) == 0:
        return []
    # ``n:*`` always includes the highest UID, even below n: keep only the new ones
    return sorted(uid for uid in client.search(["UID", f"{state.last_uid + 1}:*"]) if uid > state.last_uid)


def _import_chunks(client, config, channel, state, uids: list[int], result: PollResult) -> None:
    chunk_size = settings.MAILBOX_FETCH_CHUNK
    for start in range(0, len(uids), chunk_size):
        chunk = uids[start : start + chunk_size]
        fetched = client.fetch(chunk, ["BODY.PEEK[]"])
        for uid in chunk:
            raw = fetched.get(uid, {}).get(b"BODY[]")
            if raw is None:  # expunged meanwhile
                continue
            where = f"imap:{config.mailbox};UIDVALIDITY={state.uidvalidity}/;UID={uid}"
            outcome = mail_import(channel=channel, raw=raw, where=where)
            result.created += outcome == "created"
            result.duplicates += outcome == "duplicate"
            result.kept += outcome == "kept"
        del fetched
        state.last_uid = chunk[-1]
        MailboxState.objects.filter(pk=state.pk).update(
            last_uid=state.last_uid, imported=state.imported + result.created, last_imported_at=timezone.now()
        )
        if not config.read_only:
            _after_import(client, config, chunk)


def mailbox_fetch(*, client: IMAPClient, channel: Channel, state: MailboxState, batch: int) -> PollResult:
    """Import the new mail of a connected mailbox (its lease held by the caller)."""
    config = mailbox_config(channel.credentials)
    result = PollResult()
    folder = client.select_folder(config.mailbox, readonly=config.read_only)
    result.uidnext = int(folder.get(b"UIDNEXT", 0))
    uids = _new_uids(client, state, folder)
    result.more = len(uids) > batch
    _import_chunks(client, config, channel, state, uids[:batch], result)
    return result


def mailbox_poll(*, channel: Channel, batch: int | None = None) -> PollResult:
    """Poll one mailbox channel once: take its lease, log in, import new mail, record how it
    went on the channel's state (a failure: the reason, and the next attempt after a backoff)."""
    if not channel.enabled:
        return PollResult(skipped="disabled")
    state, now = _state(channel), timezone.now()
    if state.retry_at and state.failed_credentials != credentials_digest(channel):  # fixed since: try now
        MailboxState.objects.filter(pk=state.pk).update(retry_at=None)
    if not _lease(state, now):
        return PollResult(skipped="backoff" if state.retry_at and state.retry_at > now else "busy")
    try:
        with mailbox_connection(mailbox_config(channel.credentials)) as client:
            result = mailbox_fetch(client=client, channel=channel, state=state, batch=batch or settings.MAILBOX_BATCH)
    except MailboxUnavailable as exc:
        _failure(state, channel, exc.reason, now)
        return PollResult(error=exc.reason)
    except (OSError, IMAPClientError) as exc:
        reason = f"{_folder_label(channel)}: {type(exc).__name__}: {exc}"
        _failure(state, channel, reason, now)
        return PollResult(error=reason)
    finally:
        MailboxState.objects.filter(pk=state.pk).update(leased_until=None)
    MailboxState.objects.filter(pk=state.pk).update(failures=0, error="", retry_at=None, last_polled_at=now)
    return result


def _folder_label(channel: Channel) -> str:
    return f"folder {mailbox_config(channel.credentials).mailbox!r}"


def mailbox_channels() -> list[Channel]:
    return list(Channel.objects.filter(provider=PROVIDER, enabled=True).select_related("tenant").order_by("pk"))
