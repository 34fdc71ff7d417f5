"""One webhook view for every channel: token → channel → provider adapter."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from channels_app.adapters.registry import registry
from crm.models import Channel


@csrf_exempt
def channel_webhook(request: HttpRequest, token: str) -> HttpResponse:
    channel = Channel.objects.select_related("tenant").filter(webhook_token=token).first()
    if channel is None:
        return JsonResponse({"detail": "Unknown webhook."}, status=404)
    adapter = registry.get(channel.provider)
    handler = getattr(adapter, "handle_webhook", None)
    if handler is None:
        return JsonResponse({"detail": f"Provider {channel.provider!r} receives no webhooks."}, status=404)
    return handler(request=request, channel=channel)
