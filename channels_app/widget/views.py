"""The widget's public endpoints under the channel's ``webhook_url``: ``widget.js`` (the script
a page embeds) and ``widget/session``, ``widget/messages``, ``widget/poll``, ``widget/seen``
(JSON POSTs from that script, CORS limited to the channel's ``allowed_origins``).

Every refusal is a 4xx that writes nothing: an unknown channel 404, an origin the channel does
not list 403 (without CORS headers, so the browser refuses too), a token the server did not
issue 403, a body over ``WIDGET_MAX_BODY_BYTES`` 413, malformed JSON or fields 400, past a rate
429 with ``Retry-After``.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from channels_app.errors import WebhookUnparseable
from crm.api import parsers as json_input
from crm.api.throttling import CACHE_ERRORS, window_count
from crm.errors import ApplicationError
from crm.models import Channel, ChannelKind, Message
from crm.services.audit import client_address

from . import cors
from .presence import agents_online
from .selectors import visitor_messages, visitor_standing
from .services import (
    MAX_TEXT_LENGTH,
    widget_message_receive,
    widget_messages_fetched,
    widget_messages_seen,
    widget_visitor_link,
)
from .texts import widget_texts
from .visitors import Visitor, visitor_new, visitor_read

SCRIPT = Path(__file__).with_name("widget.js")
CONFIG_MARK = "/*WIDGET_CONFIG*/null"
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_SEEN_IDS = 200


def _channel(token: str) -> Channel | None:
    return (
        Channel.objects.select_related("tenant")
        .filter(webhook_token=token, provider="widget", kind=ChannelKind.WEBCHAT, enabled=True)
        .first()
    )


def _error(status: int, detail: str, **fields) -> JsonResponse:
    return JsonResponse({"detail": detail, **({"errors": fields} if fields else {})}, status=status)


@functools.cache
def _script_source() -> str:
    return SCRIPT.read_text()


def widget_script(request: HttpRequest, token: str) -> HttpResponse:
    """The script, with its texts and the channel's key; any page may load it (a script tag
    needs no CORS), only the allowed origins may then talk to the endpoints."""
    channel = _channel(token)
    if channel is None:
        return HttpResponse("/* unknown or disabled chat channel */", status=404, content_type="text/javascript")
    config = json.dumps({"channel": channel.webhook_token[:12], "texts": widget_texts()}).replace("<", "\\u003c")
    response = HttpResponse(_script_source().replace(CONFIG_MARK, config), content_type="text/javascript")
    response["Cache-Control"] = "public, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _throttled(scope: str, ident: str) -> JsonResponse | None:
    try:
        window = window_count(f"widget:{scope}:{ident}", settings.WIDGET_RATES[scope])
    except CACHE_ERRORS:
        return None  # fails open, like the API throttle
    if not window.over:
        return None
    response = _error(429, "Too many requests.")
    response["Retry-After"] = str(max(1, int(window.retry_after + 0.999)))
    return response


def _body(request: HttpRequest) -> dict | JsonResponse:
    if len(request.body) > settings.WIDGET_MAX_BODY_BYTES:
        return _error(413, "Request body too large.")
    try:
        data = json_input.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "The body must be a JSON object.")
    if not isinstance(data, dict):
        return _error(400, "The body must be a JSON object.")
    return data


def widget_endpoint(handler):
    """Channel, origin, preflight, method, size and JSON checks around one endpoint; the
    handler gets ``(request, channel, data)``. CORS headers on every answer to an allowed origin."""

    @csrf_exempt
    @functools.wraps(handler)
    def view(request: HttpRequest, token: str) -> HttpResponse:
        channel = _channel(token)
        if channel is None:
            return _error(404, "Unknown chat channel.")
        origin = cors.request_origin(request, channel)
        if origin is None:
            return _error(403, "This origin may not use this chat.")
        if request.method == "OPTIONS":
            return cors.preflight(origin)
        if request.method != "POST":
            response = _error(405, "Method not allowed.")
        elif (limited := _throttled("address", client_address(request) or "unknown")) is not None:
            response = limited
        elif isinstance(data := _body(request), JsonResponse):
            response = data
        else:
            try:
                response = handler(request, channel, data)
            except (ApplicationError, WebhookUnparseable) as exc:
                response = _error(400, getattr(exc, "message", None) or str(exc))
        return cors.cors_headers(response, origin)

    return view


def _visitor(channel: Channel, data: dict) -> Visitor | JsonResponse:
    visitor = visitor_read(channel, data)
    if visitor is None:
        return _error(403, "Unknown visitor token.", token=["not issued by this chat"])
    return visitor


def _message_json(message: Message) -> dict:
    return {
        "id": message.pk,
        "direction": message.direction,
        "text": message.text,
        "at": message.occurred_at.isoformat(),
        "status": message.status,
    }


def _conversation(visitor: Visitor, contact_id: int | None, after: int | None) -> dict:
    messages = [] if contact_id is None else visitor_messages(visitor=visitor, contact_id=contact_id, after=after)
    widget_messages_fetched(visitor=visitor, messages=messages)
    return {"messages": [_message_json(m) for m in messages], "online": agents_online(visitor.channel.tenant)}


@widget_endpoint
def widget_session(request, channel, data) -> JsonResponse:
    """The visitor's token (the one given, or a new one) and its conversation so far. A token
    whose conversation this page does not prove (another e-mail, or none) is replaced. A page
    proving an e-mail its contact already has shows that contact's chat on this channel, on
    any device."""
    visitor = visitor_read(channel, data)
    standing = visitor_standing(visitor) if visitor is not None else None
    if visitor is None or not standing.allowed:
        visitor, standing = visitor_new(channel, data), None
    contact_id = standing.contact_id if standing else None
    if contact_id is None and visitor.verified_email:
        with transaction.atomic():
            contact_id = widget_visitor_link(visitor=visitor, create=False)
    return JsonResponse({"token": visitor.token, **_conversation(visitor, contact_id, None)})


def _checked_visitor(channel: Channel, data: dict, scope: str) -> tuple[Visitor, int | None] | JsonResponse:
    if isinstance(visitor := _visitor(channel, data), JsonResponse):
        return visitor
    if (limited := _throttled(scope, visitor.address)) is not None:
        return limited
    standing = visitor_standing(visitor)
    if not standing.allowed:
        return _error(403, "This conversation needs the page's proof of identity.")
    return visitor, standing.contact_id


def _text_fields(data: dict) -> tuple[str, str, str] | JsonResponse:
    text, client_id, page = data.get("text"), data.get("client_id"), data.get("page", "")
    if not isinstance(text, str) or not text.strip():
        return _error(400, "A message needs a text.", text=["this field is required"])
    if len(text) > MAX_TEXT_LENGTH:
        return _error(400, "The message is too long.", text=[f"at most {MAX_TEXT_LENGTH} characters"])
    if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
        return _error(400, "A message needs a client_id.", client_id=["1 to 64 letters, digits, - or _"])
    if not isinstance(page, str):
        return _error(400, "The page must be a string.", page=["expected a string"])
    return text.strip(), client_id, page


@widget_endpoint
def widget_message(request, channel, data) -> JsonResponse:
    """A visitor's message: 201 with it (200 and ``duplicate`` for a retried ``client_id``)."""
    if isinstance(checked := _checked_visitor(channel, data, "send"), JsonResponse):
        return checked
    visitor, _ = checked
    if isinstance(fields := _text_fields(data), JsonResponse):
        return fields
    if (limited := _throttled("send_address", client_address(request) or "unknown")) is not None:
        return limited
    text, client_id, page = fields
    result = widget_message_receive(
        visitor=visitor, text=text, client_id=client_id, page=page, offline=bool(data.get("offline"))
    )
    body = {"message": _message_json(result.message), "duplicate": result.duplicate}
    return JsonResponse(body, status=200 if result.duplicate else 201)


def _after(data: dict) -> int | None | JsonResponse:
    after = data.get("after")
    if after is None:
        return None
    if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after < 2**63:
        return _error(400, "after must be a message id.", after=["expected a non-negative integer"])
    return after


@widget_endpoint
def widget_poll(request, channel, data) -> JsonResponse:
    """The conversation's messages after ``after`` (the last id the widget has)."""
    if isinstance(checked := _checked_visitor(channel, data, "poll"), JsonResponse):
        return checked
    if isinstance(after := _after(data), JsonResponse):
        return after
    visitor, contact_id = checked
    return JsonResponse(_conversation(visitor, contact_id, after))


@widget_endpoint
def widget_seen(request, channel, data) -> HttpResponse:
    """The widget showed these agents' messages (``ids``): they are ``read``. Ids of messages
    that are not this visitor's are ignored."""
    if isinstance(checked := _checked_visitor(channel, data, "poll"), JsonResponse):
        return checked
    ids = data.get("ids")
    if not isinstance(ids, list) or len(ids) > MAX_SEEN_IDS:
        return _error(400, "ids must be a list of message ids.", ids=[f"a list of at most {MAX_SEEN_IDS} ids"])
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids):
        return _error(400, "ids must be a list of message ids.", ids=["expected positive integers"])
    visitor, contact_id = checked
    if contact_id is not None and ids:
        mine = [m for m in visitor_messages(visitor=visitor, contact_id=contact_id, after=min(ids) - 1) if m.pk in ids]
        widget_messages_seen(visitor=visitor, messages=mine)
    return HttpResponse(status=204)
