"""Postmark: inbound and tracking webhooks (JSON; a tracking event has a ``RecordType``),
authenticated by basic auth (``webhook_secret``)."""

from __future__ import annotations

from anymail.webhooks import postmark
from django.utils.translation import gettext_lazy as _

from .email_esp import EspAdapter, json_body
from .registry import register


@register
class PostmarkAdapter(EspAdapter):
    key = "postmark"
    label = _("Postmark")
    inbound_view = postmark.PostmarkInboundWebhookView
    tracking_view = postmark.PostmarkTrackingWebhookView
    optional_credentials = ("webhook_secret", "secret", "server_token", "api_url")
    send_keys = ("server_token", "api_url")

    def is_tracking(self, request) -> bool:
        body = json_body(request) if request.content_type == "application/json" else None
        return isinstance(body, dict) and "RecordType" in body
