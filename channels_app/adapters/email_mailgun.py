"""Mailgun: inbound routes (form posts) and tracking webhooks (JSON with ``event-data``),
signed with the webhook signing key (HMAC of timestamp and token); basic auth is optional."""

from __future__ import annotations

from anymail.webhooks import mailgun
from django.utils.translation import gettext_lazy as _

from .base import secrets_of
from .email_esp import REPLAY_SECRET, EspAdapter, json_body
from .registry import register


@register
class MailgunAdapter(EspAdapter):
    key = "mailgun"
    label = _("Mailgun")
    inbound_view = mailgun.MailgunInboundWebhookView
    tracking_view = mailgun.MailgunTrackingWebhookView
    required_credentials = ("webhook_signing_key",)  # signs every post
    optional_credentials = ("webhook_secret", "secret", "api_key", "sender_domain", "api_url")
    send_keys = ("api_key", "sender_domain", "api_url")

    def is_tracking(self, request) -> bool:
        body = json_body(request) if request.content_type == "application/json" else None
        return isinstance(body, dict) and "event-data" in body

    def webhook_views(self, request, channel):
        """One view per signing key (two during a rotation), each with the basic auth if any."""
        view_cls, basic = self.view_class(request), secrets_of(channel, "webhook_secret")
        return [
            view_cls(webhook_secret=basic, webhook_signing_key=k) for k in secrets_of(channel, "webhook_signing_key")
        ]

    def bound_request(self, request) -> None:
        """``attachment-count`` says how many files anymail looks for: never more than the
        request holds (a count of 10**9 in a small form would loop for minutes)."""
        count = request.POST.get("attachment-count")
        if count is not None and (not count.isdigit() or int(count) > len(request.FILES)):
            request.POST = request.POST.copy()
            request.POST["attachment-count"] = str(len(request.FILES))

    def parsing_view(self, request, channel):
        return self.view_class(request)(webhook_secret=[REPLAY_SECRET], webhook_signing_key="replay")
