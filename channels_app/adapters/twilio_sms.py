"""Twilio SMS and WhatsApp: form-encoded webhooks signed with ``X-Twilio-Signature``.

The signature covers the URL Twilio called, so it is rebuilt from ``PUBLIC_BASE_URL``
(the address the world sees, behind any proxy) plus the request path and query.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TypedDict

import requests
from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from channels_app.errors import PermanentProviderError, TransientProviderError, WebhookForbidden, WebhookUnparseable
from channels_app.services.media import media_download
from channels_app.services.templates import twilio_content
from crm.models import ChannelKind, MessageStatus
from crm.services.attachments import IncomingAttachment, attachment_signed_url
from crm.services.messages import InboundMessage

from .base import Adapter, InboundEvent, ProviderResult, StatusEvent, secrets_of, stored_attachments, webhook_url
from .registry import register

WHATSAPP_PREFIX = "whatsapp:"
#: Twilio error codes that mean "outside the WhatsApp 24-hour window" or "never deliverable"
PERMANENT_CODES = {21211, 21610, 21614, 63016}
#: Twilio sends at most 10 media per message: ``NumMedia`` cannot make us read more
MAX_MEDIA = 10
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioInboundPayload(TypedDict, total=False):
    MessageSid: str
    AccountSid: str
    From: str
    To: str
    Body: str
    NumMedia: str
    ProfileName: str
    WaId: str
    MessageStatus: str
    ErrorCode: str
    ErrorMessage: str


def strip_prefix(address: str) -> str:
    return address[len(WHATSAPP_PREFIX) :] if address.startswith(WHATSAPP_PREFIX) else address


def public_url(request) -> str:
    return settings.PUBLIC_BASE_URL + request.get_full_path()


@register
class TwilioAdapter(Adapter):
    key = "twilio"
    label = _("Twilio")
    kinds = frozenset({ChannelKind.SMS, ChannelKind.WHATSAPP})
    receives_webhooks = True
    session_windows = {ChannelKind.WHATSAPP: timedelta(hours=24)}  # WhatsApp's rule, not SMS's
    required_credentials = ("auth_token",)  # signs every callback
    optional_credentials = ("account_sid", "mms")  # to send; "mms": "true" if the SMS number sends MMS
    sends_templates = True  # WhatsApp Content templates
    status_map = {
        "queued": MessageStatus.QUEUED,
        "accepted": MessageStatus.QUEUED,
        "sending": MessageStatus.SENDING,
        "sent": MessageStatus.SENT,
        "delivered": MessageStatus.DELIVERED,
        "read": MessageStatus.READ,
        "failed": MessageStatus.FAILED,
        "undelivered": MessageStatus.FAILED,
        "canceled": MessageStatus.FAILED,
    }

    def verify(self, *, request, channel) -> None:
        signature = request.headers.get("X-Twilio-Signature", "")
        params = request.POST.dict() if request.content_type == "application/x-www-form-urlencoded" else {}
        url = public_url(request)
        tokens = secrets_of(channel, "auth_token")
        if not signature or not any(RequestValidator(t).validate(url, params, signature) for t in tokens):
            raise WebhookForbidden("missing or invalid X-Twilio-Signature")

    def parse(self, *, request, channel) -> list:
        data: TwilioInboundPayload = request.POST.dict()
        if not data.get("MessageSid"):
            raise WebhookUnparseable("no MessageSid in the form body")
        status = data.get("MessageStatus", "")
        if status and status != "received":
            return [self._status(data)]
        if not data.get("From"):
            raise WebhookUnparseable("no From in the form body")
        try:
            media_count = int(data.get("NumMedia") or 0)
        except ValueError:
            raise WebhookUnparseable("NumMedia is not a number") from None
        media = [
            IncomingAttachment(
                content_type=data.get(f"MediaContentType{i}", ""),
                source={"url": url, "account_sid": data.get("AccountSid", "")},
            )
            if (url := data.get(f"MediaUrl{i}", ""))
            else IncomingAttachment(error="no MediaUrl")
            for i in range(min(media_count, MAX_MEDIA))
        ]
        inbound = InboundMessage(
            channel=channel,
            from_address=strip_prefix(data["From"]),
            text=data.get("Body", ""),
            external_id=data["MessageSid"],
            profile_name=data.get("ProfileName", ""),
            to_address=strip_prefix(data.get("To", "")),
            attachments=tuple(media),
        )
        return [InboundEvent(inbound=inbound, raw=dict(data))]

    def _status(self, data: TwilioInboundPayload) -> StatusEvent:
        status = data["MessageStatus"]
        error = " ".join(filter(None, [data.get("ErrorCode", ""), data.get("ErrorMessage", "")]))
        return StatusEvent(
            external_id=data["MessageSid"],
            status=self.status_map.get(status, ""),
            provider_status=status,
            error=error,
            raw=dict(data),
        )

    def acknowledge(self, *, events) -> HttpResponse:
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")

    def send(self, *, channel, message) -> ProviderResult:
        sid, token = channel.credentials.get("account_sid"), channel.credentials.get("auth_token")
        if not sid or not token:
            raise PermanentProviderError("channel has no account_sid or auth_token")
        prefix = WHATSAPP_PREFIX if channel.kind == ChannelKind.WHATSAPP else ""
        media = (
            {"media_url": [attachment_signed_url(a) for a in files]} if (files := stored_attachments(message)) else {}
        )
        template = message.metadata.get("template")
        content = twilio_content(template) if template else {"body": message.text}
        try:
            sent = Client(sid, token).messages.create(
                to=prefix + message.to_address,
                from_=prefix + channel.address,
                status_callback=webhook_url(channel),
                **media,
                **content,
            )
        except TwilioRestException as exc:
            reason = f"Twilio {exc.status} error {exc.code}: {exc.msg}"
            if exc.code in PERMANENT_CODES or (400 <= exc.status < 500 and exc.status not in (408, 429)):
                raise PermanentProviderError(reason) from None
            raise TransientProviderError(reason) from None
        except requests.RequestException as exc:
            raise TransientProviderError(f"connection error: {type(exc).__name__}") from None
        return ProviderResult(external_id=sent.sid)

    def attachments_limit(self, channel) -> int:
        """WhatsApp: one media per message; SMS: MMS (10 media) where the number sends MMS."""
        if channel.kind == ChannelKind.WHATSAPP:
            return 1
        return MAX_MEDIA if str(channel.credentials.get("mms", "")).lower() in ("true", "1", "yes") else 0

    def media_fetch(self, *, channel, source: dict):
        """``MediaUrlN`` with the account's basic auth (Twilio redirects to its media store)."""
        sid = channel.credentials.get("account_sid") or source.get("account_sid", "")
        token = channel.credentials.get("auth_token", "")
        if not sid or not token:
            raise PermanentProviderError("channel has no account_sid or auth_token to fetch media")
        return media_download(source.get("url", ""), auth=(sid, token))
