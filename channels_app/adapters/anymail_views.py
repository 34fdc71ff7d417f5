"""Which anymail webhook view reads a request, configured with the channel's own secrets."""

from __future__ import annotations

from anymail.webhooks import amazon_ses, mailgun, postmark

from crm.api import parsers as json_input

from .base import secrets_of

VIEWS = {  # provider: (inbound view, tracking view)
    "mailgun": (mailgun.MailgunInboundWebhookView, mailgun.MailgunTrackingWebhookView),
    "postmark": (postmark.PostmarkInboundWebhookView, postmark.PostmarkTrackingWebhookView),
    "amazon_ses": (amazon_ses.AmazonSESInboundWebhookView, amazon_ses.AmazonSESTrackingWebhookView),
}


def _is_tracking(provider: str, request) -> bool:
    try:
        body = (
            json_input.loads(request.body)
            if request.content_type == "application/json" or provider == "amazon_ses"
            else {}
        )
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(body, dict):
        return False
    if provider == "mailgun":
        return "event-data" in body
    if provider == "postmark":
        return "RecordType" in body
    try:
        return json_input.loads(body.get("Message", "{}")).get("notificationType") != "Received"
    except (ValueError, AttributeError):
        return False


def validating_views(provider: str, request, channel) -> list:
    """anymail views configured with this channel's secrets (one per Mailgun signing key)."""
    inbound_view, tracking_view = VIEWS[provider]
    view_cls = tracking_view if _is_tracking(provider, request) else inbound_view
    basic = secrets_of(channel, "webhook_secret")
    if provider != "mailgun":
        return [view_cls(webhook_secret=basic, auto_confirm_sns_subscriptions=False)] if basic else []
    return [view_cls(webhook_secret=basic, webhook_signing_key=k) for k in secrets_of(channel, "webhook_signing_key")]


def parsing_view(provider: str, request):
    """A view for parsing only (replay of a payload authenticated when it arrived)."""
    inbound_view, tracking_view = VIEWS[provider]
    view_cls = tracking_view if _is_tracking(provider, request) else inbound_view
    kwargs = {"webhook_signing_key": "replay"} if provider == "mailgun" else {"auto_confirm_sns_subscriptions": False}
    return view_cls(webhook_secret=["replay:replay"], **kwargs)


def bound_attachment_count(request) -> None:
    """Mailgun's ``attachment-count`` says how many files anymail looks for: never more than
    the request holds (a count of 10**9 in a small form would loop for minutes)."""
    count = request.POST.get("attachment-count")
    if count is not None and (not count.isdigit() or int(count) > len(request.FILES)):
        request.POST = request.POST.copy()
        request.POST["attachment-count"] = str(len(request.FILES))


def sns_type(request) -> str:
    try:
        return str(json_input.loads(request.body).get("Type", ""))
    except (ValueError, AttributeError):
        return ""
