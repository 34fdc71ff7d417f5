"""Writes on messages: inbound ingestion and outbound creation (agent replies, sends)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.errors import ApplicationError, ConflictError
from crm.models import (
    Channel,
    Contact,
    Direction,
    Identity,
    Message,
    MessageStatus,
    Purpose,
    ReplyIdempotencyKey,
    Tenant,
    Ticket,
)
from crm.policies import policy_for_contact, tenant_policy
from crm.providers import provider_attachments_limit, provider_get
from crm.selectors.contacts import contact_reachable_kinds
from crm.selectors.tenants import channel_from_input
from crm.signals import message_stored, outbound_queued

from . import ingest_sql
from .addresses import IDENTITY_KIND_FOR_CHANNEL, normalize_address
from .attachments import IncomingAttachment, attachments_add
from .changes import CONTACT_CREATED, MESSAGE_CREATED, TICKET_CREATED, change_publish, change_subscribed
from .clock import clamped_with_given
from .ingest_orm import OrmIngestStore
from .ingest_sql import PostgresIngestStore
from .ingest_store import ChannelRefused, IngestResult, IngestStore, Sender
from .sla import sla_after_inbound, sla_after_response
from .tickets import ticket_touch


@dataclass(frozen=True)
class InboundMessage:
    """A normalised inbound message, whatever the provider it came from."""

    channel: Channel
    from_address: str
    text: str = ""
    subject: str = ""
    external_id: str | None = None
    in_reply_to: str = ""
    occurred_at: datetime | None = None
    profile_name: str = ""
    to_address: str = ""
    metadata: dict = field(default_factory=dict)
    thread_ticket_id: int | None = None  # a ticket the provider's threading points at
    #: False when ``channel`` is a reference not read from the database for this message (its
    #: id and the kind it had): ingestion checks it, and reads the channel if it changed
    channel_read: bool = True
    #: files (bytes, or a provider's media to fetch): stored once the message is
    attachments: tuple[IncomingAttachment, ...] = ()


def message_ingest(*, tenant: Tenant, inbound: InboundMessage) -> IngestResult:
    """Store an inbound message once and thread it under the contact's effective policy.

    Validate, then lock and store, through the store chosen for this message
    (``ingest_store_choose``). Redelivery of the same ``external_id`` on the same channel
    returns the stored message (``duplicate=True``). Takes the contact's row lock: one contact's
    messages are threaded one at a time, so simultaneous messages cannot open two tickets where
    one is due.

    A channel not read for this message (``channel_read=False``) is read first, unless the store
    checks it itself; if that check refuses it, nothing was written, and the message is taken
    again with the channel read, answered as usual.
    """
    store = ingest_store_choose(tenant=tenant, inbound=inbound)
    if not (inbound.channel_read or store.checks_channel):
        inbound = _with_channel_read(tenant, inbound)
    try:
        result = _ingest(tenant=tenant, inbound=inbound, store=store)
    except ChannelRefused:
        result = _ingest(tenant=tenant, inbound=_with_channel_read(tenant, inbound), store=store)
    if inbound.attachments and not result.duplicate:  # a redelivery's files are stored already
        attachments_add(message=result.message, items=inbound.attachments)
    if not result.duplicate:
        message_stored.send(sender=Message, message=result.message)
    return result


def ingest_store_choose(*, tenant: Tenant, inbound: InboundMessage) -> IngestStore:
    """Where ``inbound`` is stored, decided once per message: the PostgreSQL form on PostgreSQL
    when the tenant's policy is every contact's (no experiment running) and the message has no
    threading hint and gives no survey rating; the ORM form otherwise."""
    from .surveys import survey_rating  # surveys send through this module

    policy = tenant_policy(tenant) if ingest_sql.enabled() else None
    if policy is None or inbound.thread_ticket_id is not None or survey_rating(inbound.text) is not None:
        return OrmIngestStore(thread_ticket_id=inbound.thread_ticket_id)
    return PostgresIngestStore(policy=policy)


#: attempts of a store preempted by a concurrent request creating the same sender
INGEST_ATTEMPTS = 3


#: the changes an inbound message may publish (outgoing webhooks)
INGEST_CHANGES = (CONTACT_CREATED, TICKET_CREATED, MESSAGE_CREATED)


def _ingest(*, tenant: Tenant, inbound: InboundMessage, store: IngestStore) -> IngestResult:
    sender = _sender_check(tenant=tenant, inbound=inbound)
    # A tenant whose subscriptions listen to what ingestion changes stores the message and
    # their event rows in one transaction; any other keeps the store's own (one round trip).
    published = any(change_subscribed(tenant=tenant, change=change) for change in INGEST_CHANGES)
    for attempt in range(INGEST_ATTEMPTS):
        try:
            if published:
                with transaction.atomic():
                    result = _store_published(tenant=tenant, inbound=inbound, sender=sender, store=store)
            else:
                result = store.store(tenant=tenant, sender=sender, message=_inbound_message(tenant, inbound, sender))
        except IntegrityError:
            # Nothing was written. A redelivery: the unique (tenant, channel, external_id)
            # refused the message and the stored one answers. Deciding by the constraint costs
            # nothing on the common path and holds even for two senders claiming one provider
            # id. Otherwise another request created the sender's identity first: once more.
            if (existing := _existing(tenant, inbound.channel, inbound.external_id)) is not None:
                return IngestResult(existing, True)
            if attempt == INGEST_ATTEMPTS - 1:
                raise
            continue
        if result is not None:
            sla_after_inbound(
                tenant=tenant, ticket_id=result.message.ticket_id, at=result.message.occurred_at, opened=result.opened
            )
            return result
    raise RuntimeError(f"Inbound message on channel {inbound.channel.pk}: its sender's contact could not be locked.")


def _store_published(*, tenant: Tenant, inbound: InboundMessage, sender: Sender, store: IngestStore):
    result = store.store(tenant=tenant, sender=sender, message=_inbound_message(tenant, inbound, sender))
    if result is None:
        return None
    message = result.message
    if result.contact_created:
        change_publish(tenant=tenant, change=CONTACT_CREATED, instance=message.contact, contact_id=message.contact_id)
    if result.ticket_opened:
        change_publish(tenant=tenant, change=TICKET_CREATED, instance=message.ticket, contact_id=message.contact_id)
    change_publish(tenant=tenant, change=MESSAGE_CREATED, instance=message, contact_id=message.contact_id)
    return result


def _sender_check(*, tenant: Tenant, inbound: InboundMessage) -> Sender:
    """The channel is the tenant's and enabled; the sender's address, normalised (else a 400)."""
    channel = inbound.channel
    if channel.tenant_id != tenant.pk:
        raise ApplicationError("Unknown channel.", {"channel": ["unknown channel"]})
    if not channel.enabled:
        raise ApplicationError("This channel is disabled.", {"channel": ["channel disabled"]})
    kind = IDENTITY_KIND_FOR_CHANNEL[channel.kind]
    try:
        address = normalize_address(kind, inbound.from_address, region=tenant.default_region, field="from")
    except ApplicationError:
        if not inbound.channel_read:  # perhaps read for a kind the channel no longer has
            raise ChannelRefused(channel.pk) from None
        raise
    return Sender(kind=kind, address=address, name=inbound.profile_name[:200])


def _with_channel_read(tenant: Tenant, inbound: InboundMessage) -> InboundMessage:
    channel = channel_from_input(tenant=tenant, pk=inbound.channel.pk)
    return replace(inbound, channel=channel, channel_read=True)


def _existing(tenant: Tenant, channel: Channel, external_id: str | None) -> Message | None:
    if not external_id:
        return None
    return Message.objects.filter(tenant=tenant, channel=channel, external_id=external_id).first()


def _inbound_message(tenant: Tenant, inbound: InboundMessage, sender: Sender) -> Message:
    """The unsaved message ``inbound`` is stored as (the store sets its contact and ticket)."""
    occurred_at, metadata = clamped_with_given(inbound.occurred_at, inbound.metadata)
    return Message(
        tenant=tenant,
        channel=inbound.channel,
        direction=Direction.INBOUND,
        purpose=Purpose.CONVERSATION,
        status=MessageStatus.RECEIVED,
        text=inbound.text,
        subject=inbound.subject[:998],
        from_address=sender.address,
        to_address=inbound.to_address[:320],
        external_id=inbound.external_id or None,
        in_reply_to=inbound.in_reply_to[:998],
        metadata=metadata,
        occurred_at=occurred_at,
    )


def contact_address_for(*, tenant: Tenant, contact: Contact, channel: Channel) -> str | None:
    kind = IDENTITY_KIND_FOR_CHANNEL[channel.kind]
    return (
        Identity.objects.filter(tenant=tenant, contact=contact, kind=kind)
        .order_by("-verified", "pk")
        .values_list("address", flat=True)
        .first()
    )


def reply_channel_choose(*, tenant: Tenant, ticket: Ticket, channel: Channel | None = None) -> Channel:
    """The channel a reply on ``ticket`` goes out on: ``channel`` if the policy allows it (else
    a 400), or the policy's default (the ticket's, or the customer's latest inbound channel)."""
    policy = policy_for_contact(tenant, ticket.contact_id)
    if channel is None:
        latest = (
            Message.objects.filter(tenant=tenant, contact_id=ticket.contact_id, direction=Direction.INBOUND)
            .select_related("channel")
            .order_by("-occurred_at", "-pk")
            .first()
        )
        return policy.default_reply_channel(ticket=ticket, latest_inbound=latest.channel if latest else None)
    reachable = contact_reachable_kinds(tenant=tenant, contact_id=ticket.contact_id)
    if not policy.reply_channel_allowed(ticket=ticket, channel=channel, reachable_kinds=reachable):
        raise ApplicationError(
            f"Under the {policy.key} policy this ticket cannot be answered on channel {channel.pk}.",
            {"channel": [f"not allowed by the {policy.key} policy"]},
        )
    return channel


@transaction.atomic
def ticket_reply(
    *,
    tenant: Tenant,
    ticket: Ticket,
    text: str,
    channel: Channel | None = None,
    author: str = "",
    subject: str = "",
    at: datetime | None = None,
    idempotency_key: str | None = None,
    attachments: Sequence[IncomingAttachment] = (),
    template: dict | None = None,
) -> Message:
    """Queue an agent reply on the channel the policy allows; delivery runs after commit.

    ``template`` (``{"name", "language", "params"}``) sends the provider's approved template
    instead of ``text`` (WhatsApp); a plain text outside the channel's customer-care window
    (24 hours after the customer's last WhatsApp message) is refused with a 400 naming ``text``.

    With ``idempotency_key``, a request sent again (the same key, ticket, text, channel and
    subject) returns the reply first queued and queues nothing; the key with another request
    is refused (``IdempotencyKeyReusedError``). Two requests with one key at once: the unique
    (tenant, key) makes the second wait for the first, roll back, and answer as a retry.

    ``attachments`` (checked by ``attachments_check``) go with the reply on a channel whose
    provider sends files; on another, the reply is refused (400 on ``attachments``).
    """
    reply = _Reply(text=text, subject=subject, author=author, attachments=tuple(attachments), template=template)
    if not idempotency_key:
        return _ticket_reply_do(tenant=tenant, ticket=ticket, channel=channel, reply=reply, at=at)
    fingerprint = _reply_fingerprint(ticket=ticket, text=text, channel=channel, subject=subject, template=template)
    if attachments:  # a key reused with other files is another request
        digests = [hashlib.sha256(a.content or b"").hexdigest() for a in attachments]
        fingerprint = hashlib.sha256(f"{fingerprint}:{','.join(digests)}".encode()).hexdigest()
    for _ in range(2):
        if (replayed := _reply_replayed(tenant=tenant, key=idempotency_key, fingerprint=fingerprint)) is not None:
            return replayed
        try:
            with transaction.atomic():
                message = _ticket_reply_do(tenant=tenant, ticket=ticket, channel=channel, reply=reply, at=at)
                ReplyIdempotencyKey.objects.create(
                    tenant=tenant, key=idempotency_key, fingerprint=fingerprint, message=message
                )
                return message
        except IntegrityError:
            continue  # a request with the same key committed first: it answers
    raise ConflictError("A request with this Idempotency-Key is being processed.", {"Idempotency-Key": ["retry"]})


class IdempotencyKeyReusedError(ApplicationError):
    """The key was first used with another request: 422, as the IETF Idempotency-Key draft says."""

    status_code = 422


def _reply_fingerprint(
    *, ticket: Ticket, text: str, channel: Channel | None, subject: str, template: dict | None = None
) -> str:
    request = {"ticket": ticket.pk, "text": text, "channel": channel.pk if channel else None, "subject": subject}
    if template:  # absent from replies without one: their stored fingerprints stay valid
        request["template"] = template
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()


def _reply_replayed(*, tenant: Tenant, key: str, fingerprint: str) -> Message | None:
    stored = ReplyIdempotencyKey.objects.filter(tenant=tenant, key=key).select_related("message").first()
    if stored is None:
        return None
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReusedError(
            "This Idempotency-Key was used for another request.",
            {"Idempotency-Key": [f"already used for message {stored.message_id} with another ticket or body"]},
        )
    return stored.message


@dataclass(frozen=True)
class _Reply:
    text: str
    subject: str
    author: str
    attachments: tuple[IncomingAttachment, ...] = ()
    template: dict | None = None


def _ticket_reply_do(
    *, tenant: Tenant, ticket: Ticket, channel: Channel | None, reply: _Reply, at: datetime | None
) -> Message:
    text = reply.text
    if not reply.template and (not text or not text.strip()):
        raise ApplicationError("A reply needs a text.", {"text": ["this field is required"]})
    channel = reply_channel_choose(tenant=tenant, ticket=ticket, channel=channel)
    if not channel.enabled:
        raise ApplicationError("This channel is disabled.", {"channel": ["channel disabled"]})
    if reply.attachments:
        _attachments_sendable(channel, len(reply.attachments))
    at = at or timezone.now()
    metadata = None
    if reply.template:
        template = reply.template
        text, resolved = provider_get(channel.provider).template_resolve(
            channel=channel, name=template["name"], language=template["language"], params=template.get("params", [])
        )
        metadata = {"template": resolved}
    elif not session_open(tenant=tenant, contact_id=ticket.contact_id, channel=channel, at=at):
        raise ApplicationError(
            "Outside the 24-hour customer-care window: the customer has not written on this channel "
            "for 24 hours, so only an approved template can be sent "
            '({"template": name, "language": code, "params": [...]}).',
            {"text": ["outside the 24-hour window: send an approved template instead"]},
        )
    message = outbound_create(
        tenant=tenant,
        contact=ticket.contact,
        channel=channel,
        text=text,
        subject=reply.subject or ticket.subject,
        purpose=Purpose.CONVERSATION,
        ticket=ticket,
        author=reply.author,
        at=at,
        metadata=metadata,
    )
    if reply.attachments:
        attachments_add(message=message, items=reply.attachments)
    if ticket.first_response_at is None:
        Ticket.objects.filter(pk=ticket.pk).update(first_response_at=at)
        ticket.first_response_at = at
    ticket_touch(ticket=ticket, channel=channel, at=at, inbound=False)
    sla_after_response(tenant=tenant, ticket=ticket, at=at)
    return message


def _attachments_sendable(channel: Channel, count: int) -> None:
    """A 400 on ``attachments`` unless the channel's provider sends that many files."""
    most = provider_attachments_limit(channel)
    if most == 0:
        raise ApplicationError(
            f"Channel {channel.pk} ({channel.provider}, {channel.kind}) cannot send attachments.",
            {"attachments": [f"not supported by the {channel.provider} provider on this {channel.kind} channel"]},
        )
    if count > most:
        raise ApplicationError(
            f"Channel {channel.pk} ({channel.provider}) sends at most {most} attachment(s) per message.",
            {"attachments": [f"at most {most} on this channel"]},
        )


def session_open(*, tenant: Tenant, contact_id: int, channel: Channel, at: datetime | None = None) -> bool:
    """Whether a free-form message may go to the contact on ``channel``: its provider has no
    customer-care window for the kind, or the contact wrote on that kind within it."""
    window = provider_get(channel.provider).session_window(channel.kind)
    if window is None:
        return True
    return Message.objects.filter(
        tenant=tenant,
        contact_id=contact_id,
        channel__kind=channel.kind,
        direction=Direction.INBOUND,
        occurred_at__gte=(at or timezone.now()) - window,
    ).exists()


def outbound_create(
    *,
    tenant: Tenant,
    contact: Contact,
    channel: Channel,
    text: str,
    purpose: str,
    subject: str = "",
    ticket: Ticket | None = None,
    author: str = "",
    at: datetime | None = None,
    parent: Message | None = None,
    metadata: dict | None = None,
) -> Message:
    """Write a queued outbound message (the outbox row) and enqueue its delivery on commit."""
    to_address = contact_address_for(tenant=tenant, contact=contact, channel=channel)
    if to_address is None:
        raise ApplicationError(
            f"The contact has no {IDENTITY_KIND_FOR_CHANNEL[channel.kind]} identity for channel {channel.pk}.",
            {"channel": ["contact not reachable on this channel"]},
        )
    message = Message.objects.create(
        tenant=tenant,
        contact=contact,
        ticket=ticket,
        channel=channel,
        direction=Direction.OUTBOUND,
        purpose=purpose,
        status=MessageStatus.QUEUED,
        text=text,
        subject=subject[:998],
        from_address=channel.address,
        to_address=to_address,
        author=author,
        occurred_at=at or timezone.now(),
        parent=parent,
        metadata=metadata or {},
    )
    outbound_queued.send(sender=Message, message=message)
    change_publish(tenant=tenant, change=MESSAGE_CREATED, instance=message, contact_id=contact.pk)
    return message
