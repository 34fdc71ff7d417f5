"""Staff users with memberships, logged-in clients and a conversation to look at."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from crm.models import Membership
from crm.services.contacts import contact_create
from crm.services.messages import InboundMessage, message_ingest
from tests.factories import ChannelFactory, TenantFactory

PASSWORD = "correct horse battery"


@pytest.fixture
def make_staff(db):
    def make(tenant, username="agent", role="agent"):
        user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=True)
        Membership.objects.create(tenant=tenant, user=user, role=role)
        return user

    return make


@pytest.fixture
def staff(tenant, make_staff):
    return make_staff(tenant)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def ingest(tenant, channel, sender, text):
    return message_ingest(
        tenant=tenant, inbound=InboundMessage(channel=channel, from_address=sender, text=text)
    ).message


@pytest.fixture
def conversation(tenant, channels):
    """The email-then-SMS story for one customer, ingested through the real service."""
    contact_create(
        tenant=tenant,
        name="Alice Martin",
        identities=[{"kind": "email", "address": "alice@example.com"}, {"kind": "phone", "address": "+33612345678"}],
    )
    email = ingest(tenant, channels["email"], "Alice@Example.com", "My order 4411 is late")
    ingest(tenant, channels["sms"], "+33612345678", "any news?")
    return email.ticket


@pytest.fixture
def other_tenant(db):
    other = TenantFactory(mode="omnichannel")
    channel = ChannelFactory(tenant=other, kind="email")
    ingest(other, channel, "bob@other.example", "Secret of the other tenant")
    return other
