"""Provider registry: a channel's ``provider`` names its adapter."""

from __future__ import annotations

from .base import Adapter


class AdapterRegistry:
    def __init__(self) -> None:
        self._adapters: dict[str, Adapter] = {}

    def register(self, cls: type[Adapter]) -> type[Adapter]:
        instance = cls()
        for key in (cls.key, *cls.aliases):
            self._adapters[key] = instance
        return cls

    def get(self, key: str) -> Adapter:
        try:
            return self._adapters[key]
        except KeyError:
            raise LookupError(f"no adapter for provider {key!r}") from None


registry = AdapterRegistry()

from . import console, email_anymail, generic_signed, meta_whatsapp, twilio_sms  # noqa: E402,F401
