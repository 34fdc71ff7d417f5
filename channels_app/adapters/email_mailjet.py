"""Mailjet: the Parse API (one JSON object per inbound mail, with ``Sender`` and
``Headers``) and event webhooks (one JSON event, or an array when grouped), authenticated
by basic auth (``webhook_secret``) in the URL configured at Mailjet."""

from __future__ import annotations

from anymail.webhooks import mailjet
from django.utils.translation import gettext_lazy as _

from .email_esp import EspAdapter, json_body
from .registry import register


@register
class MailjetAdapter(EspAdapter):
    key = "mailjet"
    label = _("Mailjet")
    inbound_view = mailjet.MailjetInboundWebhookView
    tracking_view = mailjet.MailjetTrackingWebhookView
    optional_credentials = ("webhook_secret", "secret", "api_key", "secret_key", "api_url")
    send_keys = ("api_key", "secret_key", "api_url")

    def is_tracking(self, request) -> bool:
        body = json_body(request)
        return isinstance(body, list) or (isinstance(body, dict) and "event" in body)
