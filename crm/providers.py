"""The channel providers as crm sees them: what it asks of one, and where it finds them.

crm stores a channel's ``provider`` and validates a channel against it (the kinds the
provider serves, the credentials it needs), but the providers are adapters of an app above
it. That app connects its registry here in its ``AppConfig.ready()``
(``channels_app.apps``); crm never imports it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.functional import Promise

from crm.net import UnsafeTarget, target_check


class ProviderSpec(Protocol):
    """What a provider declares (``channels_app.adapters.base.Adapter``)."""

    key: str
    label: str | Promise
    #: channel kinds it serves; ``None``: any kind
    kinds: frozenset[str] | None
    required_credentials: tuple[str, ...]
    optional_credentials: tuple[str, ...]
    #: credentials holding a URL the installation calls (checked by crm.net.target_check)
    url_credentials: tuple[str, ...]
    #: whether it sends approved templates (WhatsApp), named in replies and journey steps
    sends_templates: bool

    def session_window(self, kind: str) -> timedelta | None:
        """The customer-care window of ``kind`` outside which a free-form message is refused."""

    def template_resolve(self, *, channel, name: str, language: str, params: list[str]) -> tuple[str, dict]:
        """The text and ``metadata["template"]`` of a message sending that template, or a 400."""

    def templates_approved(self, *, channel) -> list[tuple[str, str, str]]:
        """``(name, language, body)`` of the channel's approved templates."""


class ProviderCatalogue(Protocol):
    def get(self, key: str) -> ProviderSpec: ...  # LookupError for an unknown key

    def __iter__(self) -> Iterator[ProviderSpec]: ...


_catalogue: ProviderCatalogue | None = None


def providers_connect(catalogue: ProviderCatalogue) -> None:
    global _catalogue
    _catalogue = catalogue


def _connected() -> ProviderCatalogue:
    if _catalogue is None:
        raise ImproperlyConfigured(
            "No channel providers are connected: an installed app must call providers_connect()."
        )
    return _catalogue


def provider_get(key: str) -> ProviderSpec:
    """The provider under ``key``; LookupError (naming the known keys) when there is none."""
    return _connected().get(key)


def provider_choices() -> list[tuple[str, str | Promise]]:
    """``(key, label)`` of every provider, for forms, serializers and the OpenAPI enum."""
    return [(spec.key, spec.label) for spec in _connected()]


def validate_provider(value: str) -> None:
    """The model field's validator: the value names a connected provider."""
    try:
        provider_get(value)
    except LookupError:
        known = ", ".join(key for key, _label in provider_choices())
        raise ValidationError(
            "Unknown provider %(value)s (one of: %(known)s).",
            code="invalid_choice",
            params={"value": repr(value), "known": known},
        ) from None


def provider_attachments_limit(channel) -> int:
    """How many files the channel's provider sends with one message (0: none). A provider
    declares it with ``attachments_limit(channel)`` (the kind and credentials may matter)."""
    try:
        spec = provider_get(channel.provider)
    except LookupError:
        return 0
    limit = getattr(spec, "attachments_limit", None)
    return limit(channel) if limit else 0


def provider_kind_errors(*, provider: str, kind: str) -> list[str]:
    spec = provider_get(provider)
    return [] if spec.kinds is None or kind in spec.kinds else [f"not available for {kind}"]


def provider_credential_errors(*, provider: str, credentials: dict) -> list[str]:
    """One error per required credential missing (or empty) for ``provider``, and per URL
    credential leading to an address the installation does not call (crm.net)."""
    spec = provider_get(provider)
    errors = [f"{name!r} is required by {spec.key}" for name in spec.required_credentials if not credentials.get(name)]
    for name in spec.url_credentials:
        if credentials.get(name):
            try:
                target_check(credentials[name])
            except UnsafeTarget as refused:
                errors.append(f"{name!r}: {refused}")
    more = getattr(spec, "credential_errors", None)  # a provider's own rules (one key or another...)
    return errors + (more(credentials) if more else [])


def provider_channel_status(channel) -> dict | None:
    """What the channel's provider reports about it (a mailbox: its polling), or ``None``."""
    try:
        spec = provider_get(channel.provider)
    except LookupError:
        return None
    status_of = getattr(spec, "status_of", None)
    return status_of(channel) if status_of else None
