from __future__ import annotations

from datetime import UTC, datetime

import pytest

from journeys.services.ready_made import journey_install
from tests.factories import ContactFactory, IdentityFactory

T0 = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)  # 10:00 in Paris (CEST)


@pytest.fixture
def customer(tenant):
    contact = ContactFactory(tenant=tenant, name="Alice")
    IdentityFactory(contact=contact, kind="email", address="alice@example.com")
    IdentityFactory(contact=contact, kind="phone", address="+33612345678")
    return contact


@pytest.fixture
def install(tenant, channels):
    def _install(slug):
        return journey_install(tenant=tenant, slug=slug)[0]

    return _install


def set_mode(tenant, mode):
    tenant.mode = mode
    tenant.save(update_fields=["mode"])
