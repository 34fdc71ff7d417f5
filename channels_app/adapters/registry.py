"""Provider registry: a channel's ``provider`` names its adapter."""

from __future__ import annotations

from .base import Adapter


class AdapterRegistry:
    def __init__(self) -> None:
        self._adapters: dict[str, Adapter] = {}

    def register(self, cls: type[Adapter]) -> type[Adapter]:
        self._adapters[cls.key] = cls()
        return cls

    def get(self, key: str) -> Adapter:
        try:
            return self._adapters[key]
        except KeyError:
            raise LookupError(f"no adapter for provider {key!r}") from None


registry = AdapterRegistry()

from . import console  # noqa: E402,F401
