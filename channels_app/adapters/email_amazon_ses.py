"""Amazon SES through SNS: receipt-rule notifications (``notificationType: Received``) and
event notifications, authenticated by basic auth in the SNS subscription URL.

SNS ``SubscriptionConfirmation`` requests are kept as unknown payloads: an admin confirms the
subscription by opening its ``SubscribeURL``; the product does not call AWS on its own.
"""

from __future__ import annotations

from anymail.webhooks import amazon_ses
from django.utils.translation import gettext_lazy as _

from channels_app.errors import WebhookUnparseable
from crm.api import parsers as json_input

from .base import UnknownEvent
from .email_esp import EspAdapter, json_body
from .registry import register


@register
class AmazonSesAdapter(EspAdapter):
    key = "amazon_ses"
    label = _("Amazon SES")
    inbound_view = amazon_ses.AmazonSESInboundWebhookView
    tracking_view = amazon_ses.AmazonSESTrackingWebhookView

    def is_tracking(self, request) -> bool:
        body = json_body(request)  # SNS posts JSON as text/plain
        try:
            return json_input.loads(body.get("Message", "{}")).get("notificationType") != "Received"
        except (ValueError, AttributeError, TypeError):
            return False

    def view_kwargs(self, channel) -> dict:
        return {"auto_confirm_sns_subscriptions": False}

    def parse_esp(self, *, request, channel) -> list:
        body = json_body(request)
        if not isinstance(body, dict):
            raise WebhookUnparseable("not an SNS message")
        if (sns_type := str(body.get("Type", ""))) != "Notification":
            return [UnknownEvent(event_type=f"sns:{sns_type}", raw=body)]
        return super().parse_esp(request=request, channel=channel)
