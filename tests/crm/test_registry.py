from __future__ import annotations

import pytest

from crm.registry import AlreadyRegisteredError, NoRegistrationExistsError, Registry


def test_an_item_is_found_under_its_key():
    registry: Registry[int] = Registry("number")
    assert registry.register("one")(1) == 1
    assert registry.get("one") == 1 and "one" in registry and registry.keys() == ["one"]


def test_a_key_is_registered_once():
    registry: Registry[int] = Registry("number")
    registry.register("one")(1)
    with pytest.raises(AlreadyRegisteredError, match="number 'one' is already registered"):
        registry.register("one")(2)
    assert registry.get("one") == 1


def test_an_unknown_key_is_a_lookup_error_naming_the_known_keys():
    registry: Registry[int] = Registry("number")
    registry.register("one")(1)
    registry.register("two")(2)
    with pytest.raises(LookupError) as error:
        registry.get("three")
    assert isinstance(error.value, NoRegistrationExistsError)
    assert str(error.value) == "no number 'three' is registered (known: one, two)"
