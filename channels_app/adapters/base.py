"""The adapter interface every provider module implements, and the normalised events."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import Promise

if TYPE_CHECKING:
    from crm.models import Channel, Message
    from crm.services.messages import InboundMessage


@dataclass(frozen=True)
class ProviderResult:
    """What a provider answered to a send: its id for the message, if any."""

    external_id: str | None = None
    metadata: dict | None = None


@dataclass(frozen=True)
class InboundEvent:
    """A message a customer sent; ``raw`` is the provider's own record of it."""

    inbound: InboundMessage
    raw: dict = field(default_factory=dict)
    email_references: tuple[str, ...] = ()  # In-Reply-To / References, newest last


@dataclass(frozen=True)
class StatusEvent:
    """A provider's news about an outbound message (sent, delivered, read, failed...)."""

    external_id: str
    status: str  # a MessageStatus value, or "" when the event moves no status
    provider_status: str
    occurred_at: datetime | None = None
    error: str = ""
    customer_event: str = ""  # e.g. "email.clicked": recorded as a crm Event of the contact
    properties: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class UnknownEvent:
    """Something the provider sent that the product does not handle: stored, never dropped."""

    event_type: str
    raw: dict = field(default_factory=dict)


WebhookEvent = InboundEvent | StatusEvent | UnknownEvent


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def secrets_of(channel: Channel, key: str) -> list[str]:
    """The channel's current secret and, during a rotation, the previous one(s)."""
    values: list[str] = []
    for name in (key, f"previous_{key}"):
        value = channel.credentials.get(name)
        values.extend(value if isinstance(value, list) else [value] if value else [])
    return [str(v) for v in values if v]


def webhook_url(channel: Channel) -> str:
    """The public URL of the channel's webhook (what providers call and sign)."""
    return settings.PUBLIC_BASE_URL + reverse("channels_app:webhook", kwargs={"token": channel.webhook_token})


class Adapter:
    """One provider. A module of ``channels_app.adapters`` that subclasses this and decorates
    the class with ``@register`` is all a new provider needs (``docs/architecture.md``)."""

    #: the value of ``Channel.provider`` this adapter serves
    key: ClassVar[str]
    label: ClassVar[str | Promise]
    #: channel kinds it serves; ``None``: any kind
    kinds: ClassVar[frozenset[str] | None] = None
    #: whether the provider calls the channel's webhook URL at all
    receives_webhooks: ClassVar[bool] = False
    #: per channel kind, the customer-care window outside which it refuses a free-form message
    #: (WhatsApp: 24 h after the customer's last message); kinds not listed have none
    session_windows: ClassVar[dict[str, timedelta]] = {}
    #: credential keys a channel must have (checked on create and update) and may have
    required_credentials: ClassVar[tuple[str, ...]] = ()
    optional_credentials: ClassVar[tuple[str, ...]] = ()
    #: credentials holding a URL the installation calls: refused when it leads to a loopback,
    #: private or link-local address (crm.net), on create and update and again at connection
    url_credentials: ClassVar[tuple[str, ...]] = ()
    #: provider message statuses → MessageStatus values
    status_map: ClassVar[dict[str, str]] = {}
    #: whether it sends the provider's approved templates (WhatsApp: Meta, Twilio), which are
    #: synced per channel (``channels_app.services.templates``)
    sends_templates: ClassVar[bool] = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key!r}>"

    def credential_errors(self, credentials: dict) -> list[str]:
        """What else is wrong with a channel's credentials (beyond a required key missing)."""
        return []

    def status_of(self, channel: Channel) -> dict | None:
        """What the provider reports about the channel (a mailbox: its polling), or ``None``."""
        return None

    def session_window(self, kind: str) -> timedelta | None:
        return self.session_windows.get(kind)

    def template_resolve(self, *, channel: Channel, name: str, language: str, params: list[str]) -> tuple[str, dict]:
        """The text and ``metadata["template"]`` of a message sending a template; a 400 when
        the provider sends none or the channel has no such approved template."""
        from crm.errors import ApplicationError

        if not self.sends_templates:
            raise ApplicationError(
                f"The {self.key} provider sends no templates.", {"template": [f"not available with {self.key}"]}
            )
        from channels_app.services.templates import template_resolve

        return template_resolve(channel=channel, name=name, language=language, params=params)

    def templates_approved(self, *, channel: Channel) -> list[tuple[str, str, str]]:
        """``(name, language, body)`` of the channel's approved templates, as last synced."""
        if not self.sends_templates:
            return []
        from channels_app.services.templates import template_list

        rows = template_list(channel=channel).filter(status="approved")
        return [(t.name, t.language, t.body) for t in rows]

    def challenge(self, *, request: HttpRequest, channel: Channel) -> HttpResponse:
        """Answer a GET (subscription verification); most providers have none. A HEAD (some
        ESPs check the URL exists when it is configured) gets an empty 200."""
        return HttpResponse(status=200 if request.method == "HEAD" else 405)

    def verify(self, *, request: HttpRequest, channel: Channel) -> None:
        """Raise WebhookForbidden unless the request provably comes from the provider."""
        raise NotImplementedError

    def parse(self, *, request: HttpRequest, channel: Channel) -> list[WebhookEvent]:
        """Normalised events of a verified request; raise WebhookUnparseable if it has none."""
        raise NotImplementedError

    def acknowledge(self, *, events: list[WebhookEvent]) -> HttpResponse:
        return HttpResponse(status=200)

    def send(self, *, channel: Channel, message: Message) -> ProviderResult:
        raise NotImplementedError

    def attachments_limit(self, channel: Channel) -> int:
        """How many files ``send`` delivers with one message on ``channel`` (0: none; a reply
        with files on such a channel is refused before it is queued)."""
        return 0

    # A provider whose inbound messages name media kept at the provider (a URL, an id) also
    # defines ``media_fetch(*, channel, source) -> channels_app.services.media.FetchedMedia``:
    # ``source`` is what its ``parse`` put in the IncomingAttachment.


def stored_attachments(message: Message) -> list:
    """The stored files of an outbound message, in the order they were given."""
    from crm.models import AttachmentStatus

    return list(message.attachments.filter(status=AttachmentStatus.STORED).order_by("pk"))
