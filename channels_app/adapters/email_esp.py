"""E-mail through an ESP: anymail's inbound and tracking webhook views, configured with the
channel's own secrets, authenticate and parse the ESP's native posts.

An ESP module names its two views and says which one a request is for (``is_tracking``);
anymail's basic auth (``webhook_secret``, ``user:password``) is the default authentication.
"""

from __future__ import annotations

from typing import Any, ClassVar

from anymail.exceptions import AnymailConfigurationError, AnymailError, AnymailWebhookValidationFailure
from anymail.webhooks.base import AnymailBasicAuthMixin, AnymailCoreWebhookView

from channels_app.errors import WebhookForbidden, WebhookUnparseable
from crm.api import parsers as json_input

from .base import secrets_of
from .email_base import EmailAdapter

#: basic auth of the views built to parse a kept payload again (authenticated on arrival)
REPLAY_SECRET = "replay:replay"
PARSE_ERRORS = (AnymailError, AnymailConfigurationError, KeyError, ValueError, TypeError, AttributeError)


def json_body(request) -> Any:
    """The request body as JSON, or ``None`` when it is not JSON."""
    try:
        return json_input.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None


class EspAdapter(EmailAdapter):
    """Abstract: an ESP served by anymail's webhook views."""

    inbound_view: ClassVar[type[AnymailCoreWebhookView]]
    tracking_view: ClassVar[type[AnymailCoreWebhookView]]
    optional_credentials = ("webhook_secret", "secret")

    def is_tracking(self, request) -> bool:
        """Whether the request is a tracking event (else an inbound message)."""
        raise NotImplementedError

    def view_class(self, request) -> type[AnymailCoreWebhookView]:
        return self.tracking_view if self.is_tracking(request) else self.inbound_view

    def view_kwargs(self, channel) -> dict:
        """Keyword arguments for the views beyond the basic auth (the ESP's own settings)."""
        return {}

    def webhook_views(self, request, channel) -> list[AnymailCoreWebhookView]:
        """Views configured with the channel's secrets; a request any of them validates is the ESP's."""
        basic = secrets_of(channel, "webhook_secret")
        return [self.view_class(request)(webhook_secret=basic, **self.view_kwargs(channel))] if basic else []

    def parsing_view(self, request, channel) -> AnymailCoreWebhookView:
        return self.view_class(request)(webhook_secret=[REPLAY_SECRET], **self.view_kwargs(channel))

    def verify_esp(self, *, request, channel) -> None:
        for view in self.webhook_views(request, channel):
            try:
                AnymailBasicAuthMixin.validate_request(view, request)
                view.run_validators(request)
            except AnymailWebhookValidationFailure:
                continue
            except AnymailError as exc:
                raise WebhookUnparseable(str(exc)) from None
            request.anymail_view = view
            return
        raise WebhookForbidden("missing or invalid e-mail webhook authentication")

    def bound_request(self, request) -> None:
        """Bound what the ESP's fields can make anymail allocate or loop over (an ESP's own
        counts); nothing by default."""

    def parse_esp(self, *, request, channel) -> list:
        self.bound_request(request)
        try:
            view = getattr(request, "anymail_view", None) or self.parsing_view(request, channel)
            esp_events = view.parse_events(request)
        except PARSE_ERRORS as exc:
            raise WebhookUnparseable(f"{type(exc).__name__}: {exc}") from None
        return [self.from_anymail(event, channel) for event in esp_events]
