"""Helpers shared by the channel tests: fixture payloads, signing, posting, counting rows."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from channels_app.models import DeliveryAttempt, StatusReceipt, WebhookPayload
from crm.models import Consent, Contact, Event, Message, Ticket

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


def payload_bytes(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def basic_auth(userpass: str) -> dict:
    """The ``Authorization`` header of HTTP basic auth with ``user:password``."""
    return {"Authorization": "Basic " + base64.b64encode(userpass.encode()).decode()}


def webhook_path(channel) -> str:
    return reverse("channels_app:webhook", kwargs={"token": channel.webhook_token})


def public_url(channel) -> str:
    return settings.PUBLIC_BASE_URL + webhook_path(channel)


def post(client, channel, body: bytes | dict, content_type: str, headers: dict | None = None, query: str = ""):
    path = webhook_path(channel) + (f"?{query}" if query else "")
    return client.post(path, data=body, content_type=content_type, headers=headers or {})


def row_counts() -> dict[str, int]:
    models = (Message, Contact, Ticket, Event, Consent, WebhookPayload, StatusReceipt, DeliveryAttempt)
    return {m.__name__: m.objects.count() for m in models}


def stored_message(*, channel, contact, external_id: str, direction: str = "outbound", save: bool = True, **fields):
    """A message as if received (inbound) or already sent (outbound) on ``channel`` just now."""
    from django.utils import timezone

    fields.setdefault("status", "sent" if direction == "outbound" else "received")
    fields.setdefault("occurred_at", timezone.now())
    message = Message(
        tenant_id=channel.tenant_id,
        contact=contact,
        channel=channel,
        direction=direction,
        external_id=external_id,
        **fields,
    )
    if save:
        message.save()
    return message
