"""The provider registry: every adapters module is discovered, keys are unique, and every
provider that receives webhooks is covered by the shared security cases."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import tests.channels_app
from channels_app.adapters import registry as registry_module
from channels_app.adapters.base import Adapter, hmac_sha256_hex
from channels_app.adapters.registry import register, registry
from channels_app.errors import WebhookForbidden
from crm.registry import AlreadyRegisteredError, Registry
from tests.factories import ChannelFactory

from .security import WebhookSecurityCases

#: the providers of the public contract (api.md): removing one breaks clients
CONTRACT_PROVIDERS = {"console", "smtp", "twilio", "meta", "webhook"}


def _subclasses(cls: type) -> set[type]:
    direct = set(cls.__subclasses__())
    return direct.union(*(_subclasses(sub) for sub in direct))


def _security_covered() -> set[str]:
    """Providers some test class of tests/channels_app runs the shared security cases for."""
    for module in pkgutil.iter_modules(tests.channels_app.__path__):
        if module.name.startswith("test_"):
            importlib.import_module(f"tests.channels_app.{module.name}")
    return {case.provider for case in _subclasses(WebhookSecurityCases) if getattr(case, "provider", None)}


def test_every_provider_that_receives_webhooks_has_the_shared_security_cases():
    covered = _security_covered()
    missing = sorted(a.key for a in registry if a.receives_webhooks and a.key not in covered)
    assert not missing, f"providers receiving webhooks without a WebhookSecurityCases subclass: {missing}"


def test_every_adapter_class_with_a_key_in_the_package_is_registered():
    package = importlib.import_module("channels_app.adapters")
    declared = {
        cls.key
        for module in pkgutil.iter_modules(package.__path__)
        for _name, cls in inspect.getmembers(importlib.import_module(f"channels_app.adapters.{module.name}"))
        if inspect.isclass(cls) and issubclass(cls, Adapter) and "key" in vars(cls)
    }
    assert declared == set(registry.keys())
    assert CONTRACT_PROVIDERS <= declared


def test_discovering_again_registers_nothing_twice():
    before = registry.items()
    registry_module.autodiscover()
    assert registry.items() == before


def test_a_second_adapter_under_a_registered_key_is_refused():
    with pytest.raises(AlreadyRegisteredError, match="'console'"):

        @register
        class SecondConsole(Adapter):
            key, label = "console", "Another console"

    assert type(registry.get("console")).__name__ == "ConsoleAdapter"


@pytest.mark.parametrize("adapter", list(registry), ids=lambda a: a.key)
def test_each_adapter_declares_what_crm_checks(adapter):
    assert str(adapter.label)
    assert adapter.kinds is None or adapter.kinds  # None: any kind; never an empty set
    assert not set(adapter.required_credentials) & set(adapter.optional_credentials)


def test_the_whatsapp_window_belongs_to_the_whatsapp_adapters_only():
    windows = {a.key: a.session_window("whatsapp") for a in registry if a.session_window("whatsapp")}
    assert {key: w.total_seconds() for key, w in windows.items()} == {"meta": 86400, "twilio": 86400}
    assert registry.get("twilio").session_window("sms") is None


def _worked_example() -> str:
    """The adapter module of docs/architecture.md's "Adding a provider", importable as if it
    were a module of channels_app.adapters."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text()
    section = docs[docs.index("### Adding a provider") :]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    return code.replace("from .", "from channels_app.adapters.")


def test_the_worked_example_of_the_docs_is_a_working_provider(monkeypatch, rf, tenant):
    fresh: Registry[Adapter] = Registry("provider")
    monkeypatch.setattr(registry_module, "registry", fresh)  # the example registers here, not for real
    exec(compile(_worked_example(), "acme_sms.py", "exec"), {"__name__": "channels_app.adapters.acme_sms"})
    adapter = fresh.get("acme_sms")
    assert adapter.kinds == {"sms"} and adapter.required_credentials == ("signing_secret",)
    channel = ChannelFactory(tenant=tenant, kind="sms", credentials={"signing_secret": "s3cr3t"})
    body = json.dumps({"id": "acme-1", "sender": "+33612345678", "text": "Hello"}).encode()
    signed = rf.post(
        "/", body, content_type="application/json", headers={"X-Acme-Signature": hmac_sha256_hex("s3cr3t", body)}
    )
    adapter.verify(request=signed, channel=channel)
    [event] = adapter.parse(request=signed, channel=channel)
    assert (event.inbound.from_address, event.inbound.text, event.inbound.external_id) == (
        "+33612345678",
        "Hello",
        "acme-1",
    )
    forged = rf.post("/", body, content_type="application/json", headers={"X-Acme-Signature": "0" * 64})
    with pytest.raises(WebhookForbidden):
        adapter.verify(request=forged, channel=channel)


def test_an_adapter_without_a_label_is_refused_when_it_registers():
    with pytest.raises(ImproperlyConfigured, match="declares no label"):

        @register
        class Unlabelled(Adapter):
            key = "unlabelled"

    assert "unlabelled" not in registry
