"""The ``webhook`` provider: signed JSON in and out, for any channel kind (api.md).

Inbound ``{"from", "text", "external_id", "occurred_at"?, "subject"?}`` (plus, for voice,
``duration``/``transcript``/``recording_url``), statuses ``{"external_id", "status", "error"?}``.
``X-Signature: sha256=<hex HMAC-SHA256 of the raw body>``; when ``X-Signature-Timestamp`` is
sent, the HMAC covers ``"<timestamp>." + body`` and the timestamp must be within tolerance.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import urllib.request
from datetime import UTC
from typing import NotRequired, TypedDict
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.crypto import constant_time_compare
from django.utils.dateparse import parse_datetime

from channels_app.errors import (
    PermanentProviderError,
    TransientProviderError,
    WebhookForbidden,
    WebhookUnparseable,
    error_for_status,
)
from crm.models import MessageStatus
from crm.services.messages import InboundMessage

from .base import Adapter, InboundEvent, ProviderResult, StatusEvent, UnknownEvent, hmac_sha256_hex, secrets_of
from .registry import registry

TIMESTAMP_TOLERANCE_SECONDS = 300
CALL_FIELDS = ("duration", "transcript", "recording_url", "direction", "call_status")


class WebhookMessagePayload(TypedDict):
    external_id: str
    text: NotRequired[str]
    subject: NotRequired[str]
    occurred_at: NotRequired[str]
    duration: NotRequired[int]
    transcript: NotRequired[str]


def sign(secret: str, body: bytes, timestamp: str | None = None) -> str:
    signed = f"{timestamp}.".encode() + body if timestamp else body
    return "sha256=" + hmac_sha256_hex(secret, signed)


def verify_signed_body(request, secrets: list[str]) -> None:
    """``X-Signature`` over the body, or over ``"<ts>." + body`` with ``X-Signature-Timestamp``."""
    given = request.headers.get("X-Signature", "")
    timestamp = request.headers.get("X-Signature-Timestamp")
    if timestamp is not None:
        try:
            skew = abs(time.time() - int(timestamp))
        except ValueError:
            raise WebhookForbidden("bad signature timestamp") from None
        if skew > TIMESTAMP_TOLERANCE_SECONDS:
            raise WebhookForbidden("signature timestamp outside tolerance")
    if not given or not any(constant_time_compare(given, sign(s, request.body, timestamp)) for s in secrets):
        raise WebhookForbidden("missing or invalid X-Signature")


@registry.register
class SignedWebhookAdapter(Adapter):
    key = "webhook"
    receives_webhooks = True
    status_map = {
        "sent": MessageStatus.SENT,
        "delivered": MessageStatus.DELIVERED,
        "read": MessageStatus.READ,
        "failed": MessageStatus.FAILED,
    }

    def verify(self, *, request, channel) -> None:
        verify_signed_body(request, secrets_of(channel, "secret"))

    def parse(self, *, request, channel) -> list:
        try:
            payload = json.loads(request.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise WebhookUnparseable(f"body is not JSON: {exc}") from None
        items = payload if isinstance(payload, list) else [payload]
        if not items or not all(isinstance(item, dict) for item in items):
            raise WebhookUnparseable("expected a JSON object or a list of objects")
        return [self._event(item, channel) for item in items]

    def _event(self, item: dict, channel):
        if "status" in item and "from" not in item:
            status = str(item.get("status", ""))
            if not item.get("external_id") or status not in self.status_map:
                return UnknownEvent(event_type=f"status:{status}", raw=item)
            return StatusEvent(
                external_id=str(item["external_id"]),
                status=self.status_map[status],
                provider_status=status,
                occurred_at=_when(item.get("occurred_at")),
                error=str(item.get("error") or ""),
                raw=item,
            )
        if "from" not in item:
            return UnknownEvent(event_type=str(item.get("type") or item.get("event") or "unknown"), raw=item)
        if not isinstance(item["from"], str) or not isinstance(item.get("text", ""), str):
            raise WebhookUnparseable("'from' and 'text' must be strings")
        call = {k: item[k] for k in CALL_FIELDS if k in item}
        inbound = InboundMessage(
            channel=channel,
            from_address=item["from"],
            text=item.get("text", ""),
            subject=str(item.get("subject") or ""),
            external_id=_str_or_none(item.get("external_id")),
            occurred_at=_when(item.get("occurred_at")),
            profile_name=str(item.get("name") or ""),
            metadata={"call": call} if call else {},
        )
        return InboundEvent(inbound=inbound, raw=item)

    def send(self, *, channel, message) -> ProviderResult:
        url = channel.credentials.get("outbound_url")
        secret = (secrets_of(channel, "secret") or [""])[0]
        if not url or not secret:
            raise PermanentProviderError("channel has no outbound_url or secret")
        body = {"message_id": message.pk, "to": message.to_address, "text": message.text}
        if message.subject:
            body["subject"] = message.subject
        raw = json.dumps(body).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Signature": sign(secret, raw),
            "Idempotency-Key": f"message-{message.pk}",
        }
        try:
            response = _pool_for(url).request(
                "POST", url, body=raw, headers=headers, timeout=urllib3.Timeout(total=settings.CHANNELS_SEND_TIMEOUT)
            )
        except urllib3.exceptions.TimeoutError as exc:
            # urllib3 counts a refused connection among timeouts: it is a connection error.
            kind = (
                "connection error: NewConnectionError"
                if isinstance(exc, urllib3.exceptions.NewConnectionError)
                else "timeout"
            )
            raise TransientProviderError(kind) from None
        except urllib3.exceptions.HTTPError as exc:
            raise TransientProviderError(f"connection error: {type(exc).__name__}") from None
        if response.status // 100 == 2:
            return ProviderResult(external_id=_external_id(response.data) or f"webhook-{message.pk}")
        raise error_for_status(response.status, response.data[:500].decode(errors="replace"))


_local = threading.local()


def _pool_for(url: str) -> urllib3.PoolManager:
    """The connection pool of this worker thread for ``url``: connections to a receiver are kept
    alive between deliveries; an HTTP(S)_PROXY of the environment applies unless NO_PROXY
    exempts the host. urllib3 directly: a delivery is one POST, and ``requests`` would spend
    more CPU preparing it than the delivery's own work."""
    parts = urlsplit(url)
    proxy = _proxy(parts.scheme, parts.hostname or "")
    pools = _local.__dict__.setdefault("pools", {})
    if (pool := pools.get(proxy)) is None:
        pool = pools[proxy] = (
            urllib3.ProxyManager(proxy, retries=False) if proxy else urllib3.PoolManager(retries=False)
        )
    return pool


@functools.lru_cache(maxsize=1024)
def _proxy(scheme: str, host: str) -> str | None:
    if urllib.request.proxy_bypass(host):
        return None
    return urllib.request.getproxies().get(scheme)


def _external_id(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return str(data["external_id"]) if isinstance(data, dict) and data.get("external_id") else None


def _when(value):
    if not value:
        return None
    try:
        parsed = parse_datetime(str(value))
    except ValueError:
        parsed = None
    if parsed is None:
        raise WebhookUnparseable(f"occurred_at is not an ISO 8601 date-time: {value!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _str_or_none(value) -> str | None:
    return None if value in (None, "") else str(value)
