"""One webhook view for every channel: token → channel → provider adapter.

verify (403, nothing stored) → parse (400, raw payload kept) → apply (unknown events kept,
never a 500) → the provider's acknowledgement.
"""

from __future__ import annotations

import logging

from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from channels_app.adapters.registry import registry
from channels_app.errors import WebhookForbidden, WebhookUnparseable
from channels_app.models import PayloadState
from channels_app.services.inbound import webhook_events_apply, webhook_events_read, webhook_payload_keep
from crm.errors import ApplicationError
from crm.models import Channel

logger = logging.getLogger("channels.webhooks")


def _rejected(request: HttpRequest, channel: Channel, error: str) -> JsonResponse:
    webhook_payload_keep(channel=channel, request=request, state=PayloadState.REJECTED, error=error)
    return JsonResponse({"detail": f"Unparseable payload: {error}"[:1000]}, status=400)


@csrf_exempt
def channel_webhook(request: HttpRequest, token: str) -> HttpResponse:
    channel = Channel.objects.select_related("tenant").filter(webhook_token=token).first()
    if channel is None:
        return JsonResponse({"detail": "Unknown webhook."}, status=404)
    try:
        adapter = registry.get(channel.provider)
    except LookupError:
        adapter = None
    if adapter is None or not adapter.receives_webhooks:
        return JsonResponse({"detail": f"Provider {channel.provider!r} receives no webhooks."}, status=404)
    if request.method in ("GET", "HEAD"):
        return adapter.challenge(request=request, channel=channel)
    if request.method != "POST":
        return JsonResponse({"detail": "Method not allowed."}, status=405)
    try:
        adapter.verify(request=request, channel=channel)
    except WebhookForbidden as exc:
        logger.warning("webhook for channel %s refused: %s", channel.pk, exc)
        return JsonResponse({"detail": "Invalid signature."}, status=403)
    try:
        events = webhook_events_read(adapter=adapter, request=request, channel=channel)
        outcome = webhook_events_apply(channel=channel, events=events)
    except (WebhookUnparseable, ApplicationError) as exc:
        return _rejected(request, channel, getattr(exc, "message", None) or str(exc))
    except (OperationalError, InterfaceError):
        raise  # the database, not the payload: never answered as the provider's fault
    except DataError as exc:  # a value the database refuses (PostgreSQL: NUL, length, range)
        return _rejected(request, channel, f"cannot be stored: {exc}")
    except Exception as exc:  # a bug of ours: keep what the provider sent (once), let it retry
        logger.exception("webhook for channel %s failed", channel.pk)
        webhook_payload_keep(
            channel=channel, request=request, state=PayloadState.REJECTED, error=f"internal error: {exc!r}"
        )
        return JsonResponse({"detail": "Internal error; the payload was kept."}, status=500)
    if outcome.leftovers:
        state = (
            PayloadState.UNKNOWN if any(s.startswith("unknown") for s in outcome.leftovers) else PayloadState.UNMATCHED
        )
        webhook_payload_keep(channel=channel, request=request, state=state, error="; ".join(outcome.leftovers))
    return adapter.acknowledge(events=events)
