"""Inbound webhooks after authentication: apply normalised events, keep what cannot be used,
replay kept payloads once the cause is fixed."""

from __future__ import annotations

import base64
import io
import logging
import unicodedata
from dataclasses import dataclass, field

from django.core.handlers.wsgi import WSGIRequest
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from channels_app.adapters.base import InboundEvent, StatusEvent, UnknownEvent, WebhookEvent
from channels_app.adapters.registry import registry
from channels_app.models import PayloadState, WebhookPayload
from crm.models import Channel, ConsentStatus
from crm.services.contacts import consent_set
from crm.services.messages import IngestResult, message_ingest

from .email_threads import email_reference_record
from .status import status_event_apply

logger = logging.getLogger("channels.webhooks")
OPT_OUT_KEYWORDS = {"STOP", "STOPALL", "ARRET", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
OPT_IN_KEYWORDS = {"START", "UNSTOP", "YES"}
KEYWORD_KINDS = {"sms", "whatsapp", "rcs"}
SECRET_HEADERS = {"authorization", "cookie", "proxy-authorization"}


@dataclass
class ApplyOutcome:
    ingested: list[IngestResult] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)  # unknown or unmatched, kept for inspection


def sms_keyword(text: str) -> str | None:
    """``opted_out``/``opted_in`` when the message is one opt-out/opt-in keyword alone."""
    word = unicodedata.normalize("NFKD", text or "")
    word = "".join(c for c in word if not unicodedata.combining(c)).strip().strip(".!").upper()
    if word in OPT_OUT_KEYWORDS:
        return ConsentStatus.OPTED_OUT
    if word in OPT_IN_KEYWORDS:
        return ConsentStatus.OPTED_IN
    return None


def _inbound_apply(channel: Channel, event: InboundEvent) -> IngestResult:
    result = message_ingest(tenant=channel.tenant, inbound=event.inbound)
    if result.duplicate:
        return result
    message = result.message
    email_reference_record(message=message, message_id_header=event.inbound.metadata.get("message_id", ""))
    if channel.kind in KEYWORD_KINDS and (status := sms_keyword(message.text)):
        consent_set(
            tenant=channel.tenant,
            contact=message.contact,
            channel_kind=channel.kind,
            status=status,
            source="keyword",
            source_message=message,
            at=message.occurred_at,
        )
    return result


@transaction.atomic
def webhook_events_apply(*, channel: Channel, events: list[WebhookEvent]) -> ApplyOutcome:
    """Apply all events of one request, or none (ApplicationError rolls the whole request back)."""
    outcome = ApplyOutcome()
    for event in events:
        if isinstance(event, InboundEvent):
            outcome.ingested.append(_inbound_apply(channel, event))
        elif isinstance(event, StatusEvent):
            if not status_event_apply(channel=channel, event=event):
                outcome.leftovers.append(f"unmatched {event.provider_status} for {event.external_id!r}")
        elif isinstance(event, UnknownEvent):
            outcome.leftovers.append(f"unknown event {event.event_type}")
    return outcome


def webhook_payload_keep(*, channel: Channel, request: HttpRequest, state: str, error: str) -> WebhookPayload:
    """Keep an authenticated request verbatim (minus credentials headers) for the admin."""
    headers = {k: v for k, v in request.headers.items() if k.lower() not in SECRET_HEADERS}
    logger.warning("webhook %s for channel %s kept as %s: %s", channel.provider, channel.pk, state, error[:300])
    return WebhookPayload.objects.create(
        tenant_id=channel.tenant_id,
        channel=channel,
        provider=channel.provider,
        state=state,
        error=error[:5000],
        method=request.method,
        path=request.get_full_path()[:2000],
        content_type=request.content_type or "",
        headers=headers,
        body_b64=base64.b64encode(request.body).decode(),
    )


def _rebuilt_request(payload: WebhookPayload) -> WSGIRequest:
    path, _, query = payload.path.partition("?")
    body = payload.body
    environ = {
        "REQUEST_METHOD": payload.method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "replay",
        "SERVER_PORT": "443",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in payload.headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    environ["CONTENT_LENGTH"] = str(len(body))
    return WSGIRequest(environ)


def webhook_payload_replay(*, payload: WebhookPayload) -> ApplyOutcome:
    """Parse and apply a kept payload again (it was authenticated when it arrived).

    Raises WebhookUnparseable or ApplicationError when it still cannot be used; the
    payload then keeps its state with the new error.
    """
    channel = Channel.objects.select_related("tenant").get(pk=payload.channel_id)
    adapter = registry.get(channel.provider)
    request = _rebuilt_request(payload)
    events = adapter.parse(request=request, channel=channel)
    outcome = webhook_events_apply(channel=channel, events=events)
    WebhookPayload.objects.filter(pk=payload.pk).update(
        state=PayloadState.REPLAYED, replayed_at=timezone.now(), error="; ".join(outcome.leftovers)[:5000]
    )
    return outcome
