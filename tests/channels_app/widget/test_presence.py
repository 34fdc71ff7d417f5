"""Online or not: a staff member of the tenant active in the dashboards lately; offline, the
widget asks for an e-mail address, kept as a claim."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from crm.models import Membership, Message
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def _staff(tenant, name):
    user = get_user_model().objects.create_user(username=name, password="pw-123456789", is_staff=True)
    Membership.objects.create(tenant=tenant, user=user, role="agent")
    return user


def test_no_agent_active_means_offline(visitor):
    assert visitor.start()["online"] is False


def test_a_staff_member_on_the_dashboards_makes_the_tenant_online(client, tenant, visitor):
    client.force_login(_staff(tenant, "agent"))
    assert client.get("/dashboard/").status_code == 200
    assert visitor.start()["online"] is True
    visitor.say("hello")
    assert visitor.post("poll", {"after": 0}).json()["online"] is True


def test_staff_of_another_tenant_do_not_count(client, visitor):
    client.force_login(_staff(TenantFactory(), "elsewhere"))
    client.get("/dashboard/")
    assert visitor.start()["online"] is False


def test_presence_expires(client, tenant, visitor, settings):
    settings.WIDGET_AGENT_ONLINE_MINUTES = 0  # a note that lives no time at all
    client.force_login(_staff(tenant, "agent"))
    client.get("/dashboard/")
    assert visitor.start()["online"] is False


def test_an_offline_message_keeps_the_typed_email_as_a_claim(visitor):
    response = visitor.say("Call me back", offline=True, email="Bob@Example.com")
    assert response.status_code == 201
    message = Message.objects.get()
    assert message.metadata["widget"]["offline"] is True
    assert message.metadata["widget"]["claimed_email"] == "bob@example.com"
    assert not message.contact.identities.filter(kind="email").exists()


def test_only_pages_served_count(client, tenant, visitor):
    client.force_login(_staff(tenant, "agent"))
    assert client.get("/dashboard/tickets/999999/").status_code == 404
    assert visitor.start()["online"] is False
