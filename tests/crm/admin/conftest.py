"""Two tenants with data, and staff of each with the role a test needs."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from crm.models import Membership
from crm.services.contacts import contact_create
from crm.services.messages import InboundMessage, message_ingest
from tests.factories import ChannelFactory, TenantFactory


def seed(tenant, prefix):
    email = ChannelFactory(
        tenant=tenant, kind="email", name=f"{prefix} mail", credentials={"api_key": f"{prefix}-s3cr3t"}
    )
    contact = contact_create(
        tenant=tenant, name=f"{prefix} customer", identities=[{"kind": "email", "address": f"{prefix}@example.com"}]
    )
    message = message_ingest(
        tenant=tenant,
        inbound=InboundMessage(channel=email, from_address=f"{prefix}@example.com", text=f"{prefix} needs help"),
    ).message
    return {"channel": email, "contact": contact, "ticket": message.ticket, "message": message}


@pytest.fixture
def tenant_a(db):
    tenant = TenantFactory(slug="shop-a", name="Shop A")
    return tenant, seed(tenant, "alpha")


@pytest.fixture
def tenant_b(db):
    tenant = TenantFactory(slug="shop-b", name="Shop B")
    return tenant, seed(tenant, "beta")


@pytest.fixture
def staff_of(client):
    def login(tenant, role="agent", username=None):
        user = get_user_model().objects.create_user(
            username=username or f"{role}-{tenant.slug}", password="pw", is_staff=True
        )
        Membership.objects.create(tenant=tenant, user=user, role=role)
        client.force_login(user)
        return client

    return login


def tenant_form(tenant, **changes) -> dict:
    """The tenant admin's change form as posted, with ``changes``."""
    return {
        "slug": tenant.slug,
        "name": tenant.name,
        "mode": tenant.mode,
        "episode_gap_hours": 72,
        "timezone": "Europe/Paris",
        "default_region": "FR",
        "language": tenant.language,
        "fallback_order": '["whatsapp", "sms", "email"]',
        "offer_links": "{}",
        "experiment_holdout_percent": "",
        "mode_changes-TOTAL_FORMS": "0",
        "mode_changes-INITIAL_FORMS": "0",
        **changes,
    }
