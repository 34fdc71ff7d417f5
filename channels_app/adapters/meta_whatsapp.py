"""Meta WhatsApp Cloud API: GET verification, ``X-Hub-Signature-256`` over the raw body,
several messages and statuses per POST."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import TypedDict
from urllib.parse import quote

import requests
from django.conf import settings
from django.http import HttpResponse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from channels_app.errors import (
    OutsideWindowError,
    PermanentProviderError,
    TransientProviderError,
    WebhookForbidden,
    WebhookUnparseable,
    error_for_status,
)
from channels_app.services.media import FetchedMedia, media_download
from channels_app.services.templates import meta_template
from crm.api import parsers as json_input
from crm.models import ChannelKind, MessageStatus
from crm.services.attachments import IncomingAttachment, attachment_signed_url
from crm.services.messages import InboundMessage

from .base import (
    Adapter,
    InboundEvent,
    ProviderResult,
    StatusEvent,
    UnknownEvent,
    hmac_sha256_hex,
    secrets_of,
    stored_attachments,
)
from .registry import register

GRAPH_URL = "{base}/{phone_number_id}/messages"  # base: settings.META_GRAPH_BASE_URL
#: Cloud API error codes for "outside the 24-hour customer service window"
OUTSIDE_WINDOW_CODES = {131047, 131026}
#: message types whose file stays at Meta under a media id (fetched: ``media_fetch``)
MEDIA_TYPES = {"image", "audio", "video", "document", "sticker"}
#: what we send as a WhatsApp image or video (anything else goes as a document)
SEND_AS = {"image/jpeg": "image", "image/png": "image", "video/mp4": "video", "video/3gpp": "video"}


class CloudApiValue(TypedDict, total=False):
    messaging_product: str
    metadata: dict
    contacts: list[dict]
    messages: list[dict]
    statuses: list[dict]
    errors: list[dict]


def _when(timestamp) -> datetime | None:
    """A Unix timestamp (a string in the Cloud API); absent is None, unreadable is refused."""
    if timestamp is None or timestamp == "":
        return None
    try:
        return datetime.fromtimestamp(int(timestamp), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise WebhookUnparseable(f"'timestamp' is not a Unix time: {str(timestamp)[:40]!r}") from None


def _objects(value, where: str) -> list[dict]:
    """A list of JSON objects (absent: empty), or the payload is refused naming ``where``."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise WebhookUnparseable(f"{where} must be a list of objects")
    return value


def _object(parent: dict, key: str) -> dict:
    value = parent.get(key) or {}
    if not isinstance(value, dict):
        raise WebhookUnparseable(f"{key!r} must be an object")
    return value


def _profile_name(contact: dict) -> str:
    name = _object(contact, "profile").get("name", "")
    return name if isinstance(name, str) else ""


def _media_attachment(media: dict) -> IncomingAttachment:
    media_id = media.get("id")
    if not isinstance(media_id, str) or not media_id:
        return IncomingAttachment(error="no media id")
    return IncomingAttachment(
        filename=str(media.get("filename") or ""),
        content_type=str(media.get("mime_type") or ""),
        source={"media_id": media_id, "sha256": str(media.get("sha256") or "")},
    )


def _text_of(message: dict) -> str:
    """The readable part of a message of any type; non-text types keep a marker."""
    kind = message.get("type", "")
    body = message.get(kind) if isinstance(message.get(kind), dict) else {}
    if kind == "text":
        return body.get("body", "")
    if kind in ("button",):
        return body.get("text", "")
    if kind == "interactive":
        reply = body.get("button_reply") or body.get("list_reply") or {}
        return reply.get("title", "")
    if kind == "reaction":
        return body.get("emoji", "")
    caption = body.get("caption") or body.get("filename") or body.get("name") or ""
    return f"[{kind}] {caption}".strip()


@register
class MetaWhatsAppAdapter(Adapter):
    key = "meta"
    label = _("Meta WhatsApp Cloud API")
    kinds = frozenset({ChannelKind.WHATSAPP})
    receives_webhooks = True
    session_windows = {ChannelKind.WHATSAPP: timedelta(hours=24)}
    required_credentials = ("app_secret",)  # signs every notification
    optional_credentials = ("verify_token", "access_token", "phone_number_id", "waba_id")  # waba_id: templates
    sends_templates = True
    status_map = {
        "sent": MessageStatus.SENT,
        "delivered": MessageStatus.DELIVERED,
        "read": MessageStatus.READ,
        "failed": MessageStatus.FAILED,
    }

    def challenge(self, *, request, channel) -> HttpResponse:
        expected = channel.credentials.get("verify_token", "")
        given = request.GET.get("hub.verify_token", "")
        if request.GET.get("hub.mode") != "subscribe" or not expected or not constant_time_compare(given, expected):
            return HttpResponse("verification failed", status=403, content_type="text/plain")
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")

    def verify(self, *, request, channel) -> None:
        given = request.headers.get("X-Hub-Signature-256", "")
        secrets = secrets_of(channel, "app_secret")
        if not given or not any(
            constant_time_compare(given, "sha256=" + hmac_sha256_hex(s, request.body)) for s in secrets
        ):
            raise WebhookForbidden("missing or invalid X-Hub-Signature-256")

    def parse(self, *, request, channel) -> list:
        try:
            payload = json_input.loads(request.body)
            changes = [change for entry in payload["entry"] for change in entry["changes"]]
        except (ValueError, UnicodeDecodeError, KeyError, TypeError) as exc:
            raise WebhookUnparseable(f"not a Cloud API notification: {exc!r}") from None
        events: list = []
        for change in _objects(changes, "entry[].changes"):
            value: CloudApiValue = change.get("value")
            if not isinstance(value, dict) or change.get("field") != "messages":
                events.append(UnknownEvent(event_type=f"field:{str(change.get('field', '?'))[:100]}", raw=change))
                continue
            contacts = _objects(value.get("contacts"), "value.contacts")
            names = {str(c.get("wa_id")): _profile_name(c) for c in contacts}
            events += [self._inbound(m, names, value, channel) for m in _objects(value.get("messages"), "messages")]
            events += [self._status(s) for s in _objects(value.get("statuses"), "statuses")]
            if not value.get("messages") and not value.get("statuses"):
                events.append(UnknownEvent(event_type="messages:other", raw=value))
        return events

    def _inbound(self, message: dict, names: dict, value: CloudApiValue, channel) -> InboundEvent:
        if not message.get("from") or not message.get("id"):
            raise WebhookUnparseable("a message without 'from' or 'id'")
        if not all(isinstance(message.get(key, ""), str) for key in ("from", "id", "type")):
            raise WebhookUnparseable("a message whose 'from', 'id' or 'type' is not a string")
        kind = message.get("type", "")
        metadata = {"type": kind} if kind != "text" else {}
        attachments: tuple[IncomingAttachment, ...] = ()
        if kind in MEDIA_TYPES and isinstance(message.get(kind), dict):
            attachments = (_media_attachment(message[kind]),)
        elif kind not in ("text", "") and isinstance(message.get(kind), dict):
            metadata[kind] = message[kind]
        inbound = InboundMessage(
            channel=channel,
            from_address="+" + message["from"].lstrip("+"),
            text=_text_of(message),
            external_id=message["id"],
            occurred_at=_when(message.get("timestamp")),
            profile_name=names.get(message["from"], ""),
            to_address=str(_object(value, "metadata").get("display_phone_number", "")),
            metadata=metadata,
            in_reply_to=str(_object(message, "context").get("id", "")),
            attachments=attachments,
        )
        return InboundEvent(inbound=inbound, raw=message)

    def _status(self, status: dict) -> StatusEvent:
        errors = _objects(status.get("errors"), "statuses[].errors")
        error = "; ".join(f"{e.get('code')} {e.get('title', '')}".strip() for e in errors)
        provider_status = str(status.get("status", ""))
        return StatusEvent(
            external_id=str(status.get("id", "")),
            status=self.status_map.get(provider_status, ""),
            provider_status=provider_status,
            occurred_at=_when(status.get("timestamp")),
            error=error,
            raw=status,
        )

    def send(self, *, channel, message) -> ProviderResult:
        creds = channel.credentials
        url = GRAPH_URL.format(base=settings.META_GRAPH_BASE_URL, phone_number_id=creds.get("phone_number_id", ""))
        template = message.metadata.get("template")
        content = meta_template(template) if template else {"type": "text", "text": {"body": message.text}}
        body = {"messaging_product": "whatsapp", "to": message.to_address.lstrip("+"), **content}
        if not template:
            body = self.with_media(message, body)
        headers = {"Authorization": f"Bearer {creds.get('access_token', '')}"}
        try:
            response = requests.post(url, json=body, headers=headers, timeout=settings.CHANNELS_SEND_TIMEOUT)
        except requests.RequestException as exc:
            raise TransientProviderError(f"connection error: {type(exc).__name__}") from None
        data = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
        if response.status_code // 100 == 2:
            return ProviderResult(external_id=(data.get("messages") or [{}])[0].get("id"))
        error = data.get("error", {}) if isinstance(data, dict) else {}
        if error.get("code") in OUTSIDE_WINDOW_CODES:
            raise OutsideWindowError(f"outside the WhatsApp 24-hour window: {error.get('message', '')}")
        raise error_for_status(response.status_code, str(error or response.text[:500]))

    # --- attachments: received by media id, sent as a link to a signed URL ---

    def attachments_limit(self, channel) -> int:
        return 1  # one media per WhatsApp message, the reply's text as its caption

    def with_media(self, message, body: dict) -> dict:
        """The send's body with the message's file (a link Meta fetches) instead of the text."""
        files = stored_attachments(message)
        if not files:
            return body
        file = files[0]
        kind = SEND_AS.get(file.content_type, "document")
        media = {"link": attachment_signed_url(file)}
        if message.text:
            media["caption"] = message.text
        if kind == "document":
            media["filename"] = file.filename
        return {key: value for key, value in body.items() if key != "text"} | {"type": kind, kind: media}

    def media_fetch(self, *, channel, source: dict) -> FetchedMedia:
        """``GET /{media-id}`` (the Graph API answers its ``url``), then that URL, both with the
        channel's access token; the bytes must match the SHA-256 Meta gave."""
        token = channel.credentials.get("access_token", "")
        if not token:
            raise PermanentProviderError("channel has no access_token to fetch media")
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{settings.META_GRAPH_BASE_URL}/{quote(str(source.get('media_id', '')), safe='')}"
        try:
            info = json_input.loads(media_download(url, headers=headers).content)
            location = info["url"]
        except (ValueError, KeyError, TypeError):
            raise PermanentProviderError("the Graph API gave no media URL") from None
        media = media_download(str(location), headers=headers)
        expected = str(info.get("sha256") or source.get("sha256") or "")
        if expected and hashlib.sha256(media.content).hexdigest() != expected.lower():
            raise TransientProviderError("media does not match its SHA-256")
        return FetchedMedia(content=media.content, content_type=str(info.get("mime_type") or media.content_type))
