"""A registry of named items: one place where each key is registered once and looked up.

The shape of Sentry's ``sentry.utils.registry``: ``register(key)`` is a decorator (or a call)
that refuses a key registered before, ``get(key)`` returns the item or raises a LookupError
that names the registry and the keys it holds. It knows nothing of what it holds: the
policies (one per mode) and the channel providers (one adapter per provider) each have one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class AlreadyRegisteredError(ValueError):
    """A second registration under a key: two modules claim the same name."""


class NoRegistrationExistsError(LookupError):
    """No item under that key."""

    def __str__(self) -> str:  # LookupError would print the repr of its argument
        return str(self.args[0]) if self.args else ""


class Registry(Generic[T]):
    def __init__(self, name: str) -> None:
        self.name = name  # what the keys name, for the error messages ("provider", "mode")
        self._items: dict[str, T] = {}

    def register(self, key: str) -> Callable[[T], T]:
        """``@registry.register("key")`` over an item, or ``registry.register("key")(item)``."""

        def inner(item: T) -> T:
            if not key or not isinstance(key, str):
                raise ValueError(f"a {self.name} key must be a non-empty string, not {key!r}")
            if key in self._items:
                raise AlreadyRegisteredError(f"{self.name} {key!r} is already registered: {self._items[key]!r}")
            self._items[key] = item
            return item

        return inner

    def get(self, key: str) -> T:
        try:
            return self._items[key]
        except (KeyError, TypeError):
            known = ", ".join(sorted(self._items)) or "none"
            raise NoRegistrationExistsError(f"no {self.name} {key!r} is registered (known: {known})") from None

    def keys(self) -> list[str]:
        return list(self._items)

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)
