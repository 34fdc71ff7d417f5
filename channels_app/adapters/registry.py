"""The provider registry: a channel's ``provider`` names its adapter.

Every module of this package is imported once (``autodiscover``, from
``ChannelsAppConfig.ready()``); a module registers its adapter class with ``@register``.
Adding a provider is adding one module here: there is no list to edit.
"""

from __future__ import annotations

import importlib
import pkgutil

from django.core.exceptions import ImproperlyConfigured

from crm.registry import Registry

from .base import Adapter

registry: Registry[Adapter] = Registry("provider")


def register(cls: type[Adapter]) -> type[Adapter]:
    """Class decorator: one instance of the adapter, under its ``key``."""
    missing = [name for name in ("key", "label") if not getattr(cls, name, None)]
    if missing:
        raise ImproperlyConfigured(f"adapter {cls.__qualname__} declares no {' and no '.join(missing)}")
    registry.register(cls.key)(cls())
    return cls


def autodiscover() -> None:
    """Import every module of ``channels_app.adapters`` (each registers its adapters)."""
    package = importlib.import_module(__package__)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{__package__}.{module.name}")
