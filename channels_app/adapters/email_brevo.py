"""Brevo (formerly Sendinblue): inbound parsing (JSON ``{"items": [...]}``) and transactional
tracking webhooks (one JSON event), authenticated by basic auth (``webhook_secret``).

Inbound attachments are fetched from Brevo's API with the channel's ``api_key``, as anymail
does; a mail without attachments needs no key.
"""

from __future__ import annotations

from anymail.webhooks import brevo
from django.utils.translation import gettext_lazy as _

from .email_esp import EspAdapter, json_body
from .registry import register


@register
class BrevoAdapter(EspAdapter):
    key = "brevo"
    label = _("Brevo")
    inbound_view = brevo.BrevoInboundWebhookView
    tracking_view = brevo.BrevoTrackingWebhookView
    optional_credentials = ("webhook_secret", "secret", "api_key", "api_url")
    send_keys = ("api_key", "api_url")

    def is_tracking(self, request) -> bool:
        body = json_body(request)
        return not (isinstance(body, dict) and "items" in body)

    def view_kwargs(self, channel) -> dict:
        return {"api_key": channel.credentials.get("api_key", "")}
