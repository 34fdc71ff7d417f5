"""The ``widget`` provider: the web chat window a business embeds on its own site (``webchat``).

Visitors write through the widget's public endpoints (``channels_app.widget``), which hand each
message to ``message_ingest`` like any webhook. An agent's reply is "delivered" here by making it
visible to the visitor's poll: ``send`` accepts it (``sent``); the visitor's browser fetching it
moves it to ``delivered``, showing it to ``read`` (``channels_app.widget.services``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.errors import PermanentProviderError
from crm.models import ChannelKind, MessageStatus

from .base import Adapter, ProviderResult
from .registry import register


def widget_external_id(message_id: int) -> str:
    """The provider id of an outbound widget message (what status events name)."""
    return f"widget-{message_id}"


@register
class WidgetAdapter(Adapter):
    key = "widget"
    label = _("Web chat widget")
    kinds = frozenset({ChannelKind.WEBCHAT})
    #: the widget's endpoints are its own (``<webhook_url>widget.js`` and ``widget/...``)
    receives_webhooks = False
    #: the origins (``https://shop.example``) whose pages may embed the widget (CORS)
    required_credentials = ("allowed_origins",)
    #: the HMAC key of ``data-email-hash`` (identity verification); ``previous_secret`` too
    optional_credentials = ("secret",)
    status_map = {"delivered": MessageStatus.DELIVERED, "read": MessageStatus.READ}

    def send(self, *, channel, message) -> ProviderResult:
        if not message.to_address:
            raise PermanentProviderError("the contact has no web chat visitor on this channel")
        # Nothing leaves the product: the visitor's poll reads the message once it is sent.
        return ProviderResult(external_id=widget_external_id(message.pk))
