"""Writes of the widget: a visitor's message (through ``message_ingest``, like every channel),
the link a verified e-mail makes, and the delivered/read statuses of agents' replies."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from channels_app.adapters.base import InboundEvent, StatusEvent
from channels_app.adapters.widget import widget_external_id
from channels_app.services.inbound import webhook_events_apply, webhook_events_check
from channels_app.services.status import status_event_apply
from crm.errors import ConflictError
from crm.models import Contact, Identity, IdentityKind, Message, MessageStatus, Tenant
from crm.services.contacts import contact_create_for_identity, contact_merge
from crm.services.messages import InboundMessage, IngestResult

from .selectors import visitor_standing
from .visitors import Visitor

MAX_TEXT_LENGTH = 5000
LINKED_BY = "widget: verified e-mail"


def _identity_attach(tenant: Tenant, contact_id: int, kind: str, address: str) -> None:
    """Attach a verified identity; one a concurrent request attached first is left as it is."""
    try:
        with transaction.atomic():
            Identity.objects.create(tenant=tenant, contact_id=contact_id, kind=kind, address=address, verified=True)
    except IntegrityError:
        pass


def widget_visitor_link(*, visitor: Visitor, create: bool = True) -> int | None:
    """Link a visitor whose page proved its e-mail to the contact owning that address (created
    with it when no one does, unless ``create`` is False), as any verified link: from then on
    identity resolution sends the visitor's messages to that contact, so under omnichannel a
    chat continues the e-mail conversation. A visitor who wrote before proving it has a contact
    of its own, holding only visitor identities: it is merged into the e-mail's contact.
    Returns the contact linked (None: nothing to link to). Requires the caller's transaction
    and a visitor whose standing is allowed (``visitor_standing``)."""
    tenant, email = visitor.channel.tenant, visitor.verified_email
    assert email is not None
    mail_contact = (
        Identity.objects.filter(tenant=tenant, kind=IdentityKind.EMAIL, address=email)
        .values_list("contact_id", flat=True)
        .first()
    )
    standing = visitor_standing(visitor)
    if not standing.allowed:  # the caller checks first; never merge someone else's contact
        raise ConflictError("This conversation belongs to another visitor.")
    visit_contact = standing.contact_id
    if mail_contact is not None and mail_contact == visit_contact:
        return mail_contact
    if mail_contact is None and visit_contact is None:
        if not create:
            return None
        contact, _ = contact_create_for_identity(tenant=tenant, kind=IdentityKind.EMAIL, address=email)
        Identity.objects.filter(tenant=tenant, kind=IdentityKind.EMAIL, address=email).update(verified=True)
        _identity_attach(tenant, contact.pk, IdentityKind.VISITOR, visitor.address)
        return contact.pk
    if visit_contact is None:
        _identity_attach(tenant, mail_contact, IdentityKind.VISITOR, visitor.address)
        return mail_contact
    if mail_contact is None:
        _identity_attach(tenant, visit_contact, IdentityKind.EMAIL, email)
        return visit_contact
    kept, other = Contact.objects.get(pk=mail_contact), Contact.objects.get(pk=visit_contact)
    return contact_merge(tenant=tenant, contact=kept, other=other, by=LINKED_BY).pk


@transaction.atomic
def widget_message_receive(
    *,
    visitor: Visitor,
    text: str,
    client_id: str,
    page: str = "",
    offline: bool = False,
    occurred_at: datetime | None = None,
    name: str = "",
) -> IngestResult:
    """Store a visitor's message once (``client_id`` makes a retried send harmless). An e-mail
    the page proved links the visitor first; an e-mail only claimed is kept on the message
    (``metadata.widget.claimed_email``), linked to nobody. ``occurred_at`` and ``name`` (a new
    contact's name) are for the simulator; the endpoints give neither."""
    if visitor.verified_email:
        widget_visitor_link(visitor=visitor)
    details: dict = {"page": page[:500]}
    if visitor.verified_email:
        details["verified_email"] = visitor.verified_email
    if visitor.claimed_email:
        details["claimed_email"] = visitor.claimed_email
    if offline:
        details["offline"] = True
    inbound = InboundMessage(
        channel=visitor.channel,
        from_address=visitor.address,
        text=text,
        external_id=f"{visitor.address}:{client_id}",
        occurred_at=occurred_at or timezone.now(),
        profile_name=name,
        metadata={"widget": details},
    )
    events = webhook_events_check(events=[InboundEvent(inbound=inbound, raw={"client_id": client_id})])
    return webhook_events_apply(channel=visitor.channel, events=events).ingested[0]


def _status(visitor: Visitor, message: Message, status: str, provider_status: str) -> None:
    event = StatusEvent(
        external_id=message.external_id or widget_external_id(message.pk),
        status=status,
        provider_status=provider_status,
        occurred_at=timezone.now(),
    )
    status_event_apply(channel=visitor.channel, event=event)


def widget_messages_fetched(*, visitor: Visitor, messages: list[Message]) -> None:
    """The visitor's browser fetched these messages: the agents' ones still ``sent`` are
    ``delivered`` (through the status callbacks' machinery: once each, never backwards)."""
    for message in messages:
        if message.direction == "outbound" and message.status == MessageStatus.SENT:
            _status(visitor, message, MessageStatus.DELIVERED, "fetched")
            message.status = MessageStatus.DELIVERED


def widget_messages_seen(*, visitor: Visitor, messages: list[Message]) -> None:
    """The widget showed these agents' messages to the visitor: ``read``."""
    for message in messages:
        if message.direction == "outbound" and message.status != MessageStatus.READ:
            _status(visitor, message, MessageStatus.READ, "shown")
