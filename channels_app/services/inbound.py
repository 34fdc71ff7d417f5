"""Inbound webhooks after authentication: apply normalised events, keep what cannot be used,
replay kept payloads once the cause is fixed."""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.core.handlers.wsgi import WSGIRequest
from django.db import DataError, InterfaceError, OperationalError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from channels_app.adapters.base import Adapter, InboundEvent, StatusEvent, UnknownEvent, WebhookEvent
from channels_app.adapters.registry import registry
from channels_app.errors import WebhookUnparseable
from channels_app.models import PayloadState, WebhookPayload
from crm.api.parsers import MAX_JSON_DEPTH, UNSTORABLE, nesting_exceeds, unstorable_path
from crm.errors import ApplicationError
from crm.models import Channel, ConsentStatus, Contact, Message, Purpose
from crm.services.contacts import consent_set
from crm.services.language import in_customer_language
from crm.services.messages import IngestResult, message_ingest, outbound_create

from .email_threads import email_reference_record
from .status import status_event_apply

logger = logging.getLogger("channels.webhooks")
OPT_OUT_KEYWORDS = {"STOP", "STOPALL", "ARRET", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
OPT_IN_KEYWORDS = {"START", "UNSTOP", "YES"}
KEYWORD_KINDS = {"sms", "whatsapp", "rcs"}
SECRET_HEADERS = {"authorization", "cookie", "proxy-authorization"}
INBOUND_FIELDS = (
    "from_address", "text", "subject", "external_id", "in_reply_to", "occurred_at", "profile_name", "to_address",
    "metadata",
)  # fmt: skip
STATUS_FIELDS = ("external_id", "status", "provider_status", "occurred_at", "error", "customer_event", "properties")
#: ids: refused past their column (cutting one would merge two messages)
ID_LIMITS = {"external_id": Message._meta.get_field("external_id").max_length}
#: details: cut to their column
CUT_LIMITS = {
    "subject": Message._meta.get_field("subject").max_length,
    "in_reply_to": Message._meta.get_field("in_reply_to").max_length,
    "to_address": Message._meta.get_field("to_address").max_length,
    "profile_name": Contact._meta.get_field("name").max_length,
}


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
        consent = consent_set(
            tenant=channel.tenant,
            contact=message.contact,
            channel_kind=channel.kind,
            status=status,
            source="keyword",
            source_message=message,
            at=message.occurred_at,
        )
        if consent.source_message_id == message.pk:  # a change, not the same keyword again
            _keyword_confirm(channel=channel, message=message, status=status)
    return result


KEYWORD_CONFIRMATIONS = {
    ConsentStatus.OPTED_OUT: gettext_lazy(
        "You will no longer receive marketing messages from %(sender)s here. Reply START to subscribe again."
    ),
    ConsentStatus.OPTED_IN: gettext_lazy(
        "You are subscribed again to messages from %(sender)s. Reply STOP to unsubscribe."
    ),
}


def _keyword_confirm(*, channel: Channel, message: Message, status: str) -> None:
    """Confirm an opt-out or opt-in keyword, in the customer's language, on its channel: a
    transactional message outside any ticket (it is no agent's response)."""
    tenant = channel.tenant
    with in_customer_language(tenant=tenant, contact=message.contact):
        text = str(KEYWORD_CONFIRMATIONS[status]) % {"sender": tenant.name}
    outbound_create(
        tenant=tenant,
        contact=message.contact,
        channel=channel,
        text=text,
        purpose=Purpose.TRANSACTIONAL,
        at=message.occurred_at,
        metadata={"keyword_confirmation": message.pk},
    )


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


def storable_text(text: str) -> str:
    """``text`` without what no database column takes (NUL, lone surrogates)."""
    return UNSTORABLE.sub("\ufffd", text)


def webhook_payload_keep(*, channel: Channel, request: HttpRequest, state: str, error: str) -> None:
    """Keep an authenticated request verbatim (minus credentials headers) for the admin, once:
    a provider retrying the same body (same SHA-256 on the same channel) adds no copy."""
    headers = {
        storable_text(k): storable_text(v) for k, v in request.headers.items() if k.lower() not in SECRET_HEADERS
    }
    logger.warning("webhook %s for channel %s kept as %s: %s", channel.provider, channel.pk, state, error[:300])
    payload = WebhookPayload(
        tenant_id=channel.tenant_id,
        channel=channel,
        provider=channel.provider,
        state=state,
        error=storable_text(error[:5000]),
        method=request.method,
        path=storable_text(request.get_full_path()[:2000]),
        content_type=storable_text(request.content_type or "")[:255],
        headers=headers,
        body_b64=base64.b64encode(request.body).decode(),
        body_sha256=hashlib.sha256(request.body).hexdigest(),
    )
    WebhookPayload.objects.bulk_create([payload], ignore_conflicts=True)


def _field_error(event: WebhookEvent, name: str, problem: str) -> WebhookUnparseable:
    kind = "message" if isinstance(event, InboundEvent) else "status"
    return WebhookUnparseable(f"{kind} field {name!r} {problem}")


def _check_fields(event: WebhookEvent, values: dict, *, limits: dict[str, int]) -> None:
    for name, value in values.items():
        if value is None and name in ("external_id", "occurred_at"):
            continue
        if name == "occurred_at":
            if not isinstance(value, datetime):
                raise _field_error(event, name, "is not a date and time")
            continue
        if name in ("metadata", "properties"):
            if not isinstance(value, dict):
                raise _field_error(event, name, "is not an object")
            if (path := unstorable_path(value)) is not None:
                raise _field_error(event, f"{name}.{path}", "holds a NUL character or a lone surrogate")
            continue
        if not isinstance(value, str):
            raise _field_error(event, name, f"is a {type(value).__name__}, not a string")
        if UNSTORABLE.search(value):
            raise _field_error(event, name, "holds a NUL character or a lone surrogate")
        if name in limits and len(value) > limits[name]:
            raise _field_error(event, name, f"is longer than {limits[name]} characters")


def webhook_events_check(*, events: list[WebhookEvent]) -> list[WebhookEvent]:
    """What a provider's fields would make unstorable is refused here, naming the field
    (WebhookUnparseable: 400, the payload kept), before anything is written: a string where a
    string is due, no NUL or lone surrogate, ids within their column. Fields that are only
    details of ours (a display name, a subject, a recipient) are cut to their column instead:
    the customer's message is never refused for them."""
    checked: list[WebhookEvent] = []
    for event in events:
        if isinstance(event, InboundEvent):
            inbound = event.inbound
            values = {f: getattr(inbound, f) for f in INBOUND_FIELDS}
            _check_fields(event, values, limits=ID_LIMITS)
            cut = {f: values[f][:n] for f, n in CUT_LIMITS.items() if len(values[f]) > n}
            event = replace(event, inbound=replace(inbound, **cut)) if cut else event
        elif isinstance(event, StatusEvent):
            values = {f: getattr(event, f) for f in STATUS_FIELDS}
            _check_fields(event, values, limits=ID_LIMITS)
        checked.append(event)
    return checked


def webhook_events_read(*, adapter: Adapter, request: HttpRequest, channel: Channel) -> list[WebhookEvent]:
    """The checked events of an authenticated request. Whatever goes wrong reading it is the
    payload's fault (WebhookUnparseable: 400, kept), except the database being unavailable.
    JSON nesting is bounded here, once for every adapter (and the ESP libraries they call)."""
    try:
        if request.body.lstrip()[:1] in (b"[", b"{") and nesting_exceeds(request.body):
            raise WebhookUnparseable(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        events = adapter.parse(request=request, channel=channel)
    except (WebhookUnparseable, ApplicationError, OperationalError, InterfaceError):
        raise
    except Exception as exc:
        logger.warning("webhook for channel %s: unexpected parse error", channel.pk, exc_info=True)
        raise WebhookUnparseable(f"cannot be read: {type(exc).__name__}: {exc}"[:1000]) from None
    return webhook_events_check(events=events)


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
    events = webhook_events_read(adapter=adapter, request=request, channel=channel)
    try:
        outcome = webhook_events_apply(channel=channel, events=events)
    except DataError as exc:
        raise WebhookUnparseable(f"cannot be stored: {exc}") from None
    WebhookPayload.objects.filter(pk=payload.pk).update(
        state=PayloadState.REPLAYED, replayed_at=timezone.now(), error="; ".join(outcome.leftovers)[:5000]
    )
    return outcome
