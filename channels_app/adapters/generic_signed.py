"""The ``webhook`` provider: signed JSON in and out, for any channel kind (api.md).

Inbound ``{"from", "text", "external_id", "occurred_at"?, "subject"?}`` (plus, for voice,
``duration``/``transcript``/``recording_url``), statuses ``{"external_id", "status", "error"?}``.
``X-Signature: sha256=<hex HMAC-SHA256 of the raw body>``; when ``X-Signature-Timestamp`` is
sent, the HMAC covers ``"<timestamp>." + body`` and the timestamp must be within tolerance.
"""

from __future__ import annotations

import functools
import io
import json
import threading
import time
import urllib.request
from datetime import UTC
from typing import NotRequired, TypedDict
from urllib.parse import urlsplit

import certifi
import pycurl
from django.conf import settings
from django.utils.crypto import constant_time_compare
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from channels_app.errors import (
    PermanentProviderError,
    TransientProviderError,
    WebhookForbidden,
    WebhookUnparseable,
    error_for_status,
)
from crm.api import parsers as json_input
from crm.models import MessageStatus
from crm.net import UnsafeTarget, curl_opensocket
from crm.services.messages import InboundMessage

from .base import Adapter, InboundEvent, ProviderResult, StatusEvent, UnknownEvent, hmac_sha256_hex, secrets_of
from .registry import register

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


@register
class SignedWebhookAdapter(Adapter):
    key = "webhook"
    label = _("Signed webhook")
    receives_webhooks = True
    required_credentials = ("secret",)  # signs both directions
    optional_credentials = ("outbound_url",)  # without it the channel only receives
    url_credentials = ("outbound_url",)
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
            payload = json_input.loads(request.body)
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
            status, answer = _post(url, raw, headers)
        except UnsafeTarget as refused:
            raise PermanentProviderError(f"outbound_url refused: {refused}") from None
        if status // 100 == 2:
            return ProviderResult(external_id=_external_id(answer) or f"webhook-{message.pk}")
        raise error_for_status(status, answer[:500].decode(errors="replace"))


_local = threading.local()


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST ``body`` to ``url``: ``(HTTP status, response body)``; TransientProviderError when
    no answer came (connection refused or reset, timeout).

    Through libcurl (pycurl), one handle per worker thread: the handle keeps connections to a
    receiver alive between deliveries, and a POST costs it a quarter of the CPU urllib3 spends
    (0.09 against 0.36 ms, see docs/channels.md), which counts when deliveries run by the
    thousand. An HTTP(S)_PROXY of the environment applies unless NO_PROXY exempts the host;
    redirects are not followed; certificates are verified against certifi's bundle. Without a
    proxy, the address connected to must be one the installation may call (crm.net): else
    UnsafeTarget, before anything is sent."""
    curl = getattr(_local, "curl", None)
    if curl is None:
        curl = _local.curl = pycurl.Curl()
        curl.setopt(pycurl.NOSIGNAL, 1)  # timeouts without SIGALRM: safe in threads
        curl.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        curl.setopt(pycurl.FOLLOWLOCATION, 0)
        curl.setopt(pycurl.CAINFO, certifi.where())
    parts = urlsplit(url)
    answer = io.BytesIO()
    curl.setopt(pycurl.URL, url)
    proxy = _proxy(parts.scheme, parts.hostname or "")
    curl.setopt(pycurl.PROXY, proxy or "")  # "": no proxy at all
    refused: list[str] = []
    if proxy:
        curl.unsetopt(pycurl.OPENSOCKETFUNCTION)
    else:
        curl.setopt(pycurl.OPENSOCKETFUNCTION, functools.partial(_opensocket, refused))
    curl.setopt(pycurl.POSTFIELDS, body)
    # "Expect:" keeps libcurl from waiting for a 100 Continue before a larger body.
    curl.setopt(pycurl.HTTPHEADER, [f"{name}: {value}" for name, value in headers.items()] + ["Expect:"])
    curl.setopt(pycurl.TIMEOUT_MS, max(1, int(settings.CHANNELS_SEND_TIMEOUT * 1000)))
    curl.setopt(pycurl.WRITEDATA, answer)
    try:
        curl.perform()
    except pycurl.error as exc:
        if refused:
            raise UnsafeTarget(f"not a public address: {refused[0]}") from None
        code, reason = exc.args
        if code == pycurl.E_OPERATION_TIMEDOUT:
            raise TransientProviderError("timeout") from None
        raise TransientProviderError(f"connection error: {reason or code}") from None
    return curl.getinfo(pycurl.RESPONSE_CODE), answer.getvalue()


#: the guarded libcurl POST, shared with the other senders of signed JSON (outgoing webhooks)
http_post = _post


def _opensocket(refused: list[str], purpose, address):
    sock = curl_opensocket(purpose, address)
    if sock == pycurl.SOCKET_BAD:
        refused.append(address[3][0])
    return sock


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
