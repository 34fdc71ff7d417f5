"""The e-mail adapter every e-mail provider shares: raw RFC 5322 posts signed with
``X-Signature`` (accepted on any e-mail channel), anymail's normalised events turned into
ours, and sending through a Django e-mail backend. ``email_esp.py`` adds anymail's webhook
views; each provider is one module over them (``email_smtp.py``, ``email_mailgun.py``...).
"""

from __future__ import annotations

import hashlib
import smtplib
from datetime import UTC, datetime
from email.utils import make_msgid
from typing import ClassVar

from anymail.exceptions import AnymailError, AnymailRecipientsRefused
from anymail.inbound import AnymailInboundMessage
from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from channels_app.errors import PermanentProviderError, TransientProviderError, WebhookForbidden, WebhookUnparseable
from channels_app.services import email_threads
from crm.models import ChannelKind, MessageStatus
from crm.services.attachments import attachment_read
from crm.services.messages import InboundMessage

from . import email_content
from .base import Adapter, InboundEvent, ProviderResult, StatusEvent, UnknownEvent, secrets_of, stored_attachments
from .generic_signed import verify_signed_body

RAW_MIME = "message/rfc822"
MAX_RECIPIENTS = 50  # To and Cc addresses looked at for a plus-address
CUSTOMER_EVENTS = {"opened", "clicked", "bounced", "complained", "unsubscribed"}


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class EmailAdapter(Adapter):
    """Abstract: a provider module subclasses it (or ``EspAdapter``) with its ``key``."""

    kinds = frozenset({ChannelKind.EMAIL})
    receives_webhooks = True
    optional_credentials = ("secret",)  # signs raw RFC 5322 posts
    #: credential keys handed to the e-mail backend as its keyword arguments
    send_keys: ClassVar[tuple[str, ...]] = ()
    status_map = {
        "sent": MessageStatus.SENT,
        "delivered": MessageStatus.DELIVERED,
        "opened": MessageStatus.READ,
        "clicked": MessageStatus.READ,
        "bounced": MessageStatus.FAILED,
        "rejected": MessageStatus.FAILED,
        "failed": MessageStatus.FAILED,
    }

    def verify(self, *, request, channel) -> None:
        if request.content_type == RAW_MIME:
            return verify_signed_body(request, secrets_of(channel, "secret"))
        return self.verify_esp(request=request, channel=channel)

    def verify_esp(self, *, request, channel) -> None:
        """Authenticate a request in the provider's own format (none without an ESP)."""
        raise WebhookForbidden("missing or invalid e-mail webhook authentication")

    def parse(self, *, request, channel) -> list:
        if request.content_type == RAW_MIME:
            return [self.raw_event(request.body, channel)]
        return self.parse_esp(request=request, channel=channel)

    def raw_event(self, raw: bytes, channel) -> InboundEvent:
        """The event of one raw RFC 5322 mail (a signed post, a mail fetched from a mailbox)."""
        mime = AnymailInboundMessage.parse_raw_mime_bytes(raw)
        if not mime.get("From"):
            raise WebhookUnparseable("no From header")
        return self.inbound_event(mime, channel, fallback_id=hashlib.sha256(raw).hexdigest())

    def parse_esp(self, *, request, channel) -> list:
        raise WebhookUnparseable("not a raw RFC 5322 message")

    def from_anymail(self, event, channel):
        """Our event for one of anymail's normalised inbound or tracking events."""
        if event.event_type == "inbound":
            return self.inbound_event(event.message, channel, fallback_id=event.event_id or "")
        raw = event.esp_event if isinstance(event.esp_event, dict) else {"event": str(event.esp_event)[:5000]}
        if event.event_type not in self.status_map and event.event_type not in CUSTOMER_EVENTS:
            return UnknownEvent(event_type=f"email:{event.event_type}", raw=raw)
        properties = {k: v for k, v in {"url": event.click_url, "recipient": event.recipient}.items() if v}
        return StatusEvent(
            external_id=event.message_id or "",
            status=self.status_map.get(event.event_type, ""),
            provider_status=event.event_type,
            occurred_at=event.timestamp,
            error=" ".join(filter(None, [event.reject_reason, event.description, event.mta_response])),
            customer_event=f"email.{event.event_type}" if event.event_type in CUSTOMER_EVENTS else "",
            properties=properties,
            raw=raw,
        )

    def inbound_event(self, mime, channel, *, fallback_id: str) -> InboundEvent:
        email_content.headers_bound(mime)
        full = mime.text or email_content.html_to_text(mime.html or "")
        references = email_content.references_of(mime)
        recipients = [a.addr_spec for a in (mime.to + mime.cc)[:MAX_RECIPIENTS]]
        recipients.append(getattr(mime, "envelope_recipient", None) or "")
        subject = mime.subject or ""
        metadata = {
            "message_id": (mime.get("Message-ID") or "").strip(),
            "body_full": full,
            "references": references,
            "auto_reply": email_content.is_auto_reply(mime),
            "html": bool(mime.html),
        }
        inbound = InboundMessage(
            channel=channel,
            from_address=mime.from_email.addr_spec if mime.from_email else "",
            text=email_content.strip_quoted(full),
            subject=subject,
            external_id=metadata["message_id"] or fallback_id or None,
            in_reply_to=references[0] if references else "",
            occurred_at=_aware(mime.date),
            profile_name=mime.from_email.display_name if mime.from_email else "",
            to_address=recipients[0] if recipients else "",
            metadata=metadata,
            attachments=email_content.attachments_of(mime),
            thread_ticket_id=email_threads.thread_ticket_id(
                tenant=channel.tenant, references=references, recipients=recipients, subject=subject
            ),
        )
        return InboundEvent(
            inbound=inbound, raw={"headers": dict(mime.raw_items())}, email_references=tuple(references)
        )

    def send(self, *, channel, message) -> ProviderResult:
        sender = channel.address or settings.DEFAULT_FROM_EMAIL
        msgid = make_msgid(domain=sender.rsplit("@", 1)[-1])
        headers = {"Message-ID": msgid}
        if parent := email_threads.last_message_id_of(ticket_id=message.ticket_id):
            headers.update({"In-Reply-To": parent, "References": parent})
        if not message.author:  # written by the product, not a person (RFC 3834)
            headers["Auto-Submitted"] = "auto-replied" if message.ticket_id else "auto-generated"
        reply_to = (
            email_threads.reply_address(
                ticket=message.ticket, channel_address=sender, local_part=self.reply_local_part(sender)
            )
            if message.ticket
            else None
        )
        email = EmailMessage(
            subject=email_threads.subject_with_token(subject=message.subject, ticket_id=message.ticket_id),
            body=message.text,
            from_email=sender,
            to=[message.to_address],
            headers=headers,
            reply_to=[reply_to] if reply_to else None,
            connection=self.connection(channel),
        )
        for file in stored_attachments(message):  # MIME parts
            email.attach(file.filename, attachment_read(file), file.content_type)
        try:
            email.send()
        except (AnymailRecipientsRefused, smtplib.SMTPRecipientsRefused) as exc:
            raise PermanentProviderError(f"recipient refused: {exc}") from None
        except AnymailError as exc:
            code = exc.status_code or 503
            error = TransientProviderError if code in (408, 429) or code >= 500 else PermanentProviderError
            raise error(f"{type(exc).__name__}: {exc}"[:2000]) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientProviderError(f"{type(exc).__name__}: {exc}"[:2000]) from None
        status = getattr(email, "anymail_status", None)
        esp_id = getattr(status, "message_id", None)  # one recipient: one id (a set for several)
        esp_id = None if esp_id is None or isinstance(esp_id, set) else str(esp_id)
        return ProviderResult(external_id=esp_id or msgid, metadata={"message_id": msgid})

    def attachments_limit(self, channel) -> int:
        return settings.ATTACHMENTS_MAX_PER_MESSAGE

    def reply_local_part(self, sender: str) -> str:
        """The local part of the signed reply address (``reply+<ticket>-<signature>@``)."""
        return "reply"

    def connection(self, channel):
        """The e-mail backend for this channel: anymail's for the provider (or the one
        ``CHANNELS_EMAIL_BACKENDS`` names), with the channel's sending keys."""
        kwargs = {k: v for k, v in channel.credentials.items() if k in self.send_keys}
        backend = f"anymail.backends.{self.key}.EmailBackend"
        return get_connection(settings.CHANNELS_EMAIL_BACKENDS.get(self.key, backend), **kwargs)
