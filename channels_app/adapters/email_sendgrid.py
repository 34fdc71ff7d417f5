"""SendGrid: Inbound Parse (a multipart form: parsed fields, or the raw MIME in ``email``)
and the Event Webhook (a JSON array of events), authenticated by basic auth
(``webhook_secret``) in the URL configured at SendGrid.

anymail no longer supports SendGrid officially (it still ships and tests the code); its
warning about that, given each time a view is built, is silenced here.
"""

from __future__ import annotations

import warnings

from anymail.exceptions import AnymailNotSupportedWarning
from anymail.webhooks import sendgrid
from django.utils.translation import gettext_lazy as _

from .email_esp import EspAdapter
from .registry import register

warnings.filterwarnings(
    "ignore", "django-anymail has dropped official support for SendGrid", AnymailNotSupportedWarning
)


@register
class SendGridAdapter(EspAdapter):
    key = "sendgrid"
    label = _("SendGrid")
    inbound_view = sendgrid.SendGridInboundWebhookView
    tracking_view = sendgrid.SendGridTrackingWebhookView
    optional_credentials = ("webhook_secret", "secret", "api_key", "api_url")
    send_keys = ("api_key", "api_url")

    def is_tracking(self, request) -> bool:
        return request.content_type == "application/json"  # Inbound Parse posts multipart/form-data
