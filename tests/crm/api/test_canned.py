"""Canned responses: CRUD per tenant, variables filled in when a reply uses one."""

from __future__ import annotations

import pytest

from crm.models import AuditEntry, CannedResponse, Message
from tests.crm.helpers import inbound

pytestmark = pytest.mark.django_db

URL = "/api/v1/canned-responses/"


def _create(client, **fields):
    body = {"shortcut": "late", "title": "Late parcel", "text": "Hello {{ contact.name }}", **fields}
    return client.post(URL, body, format="json")


def test_crud_and_the_delete_is_audited(manager_api, api, tenant):
    created = _create(manager_api, language="fr")
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "shortcut", "title", "text", "language"}
    assert api.get(URL).json()["results"] == [body]
    changed = manager_api.patch(f"{URL}{body['id']}/", {"title": "Retard"}, format="json")
    assert changed.json()["title"] == "Retard"
    assert manager_api.delete(f"{URL}{body['id']}/").status_code == 204
    assert not CannedResponse.objects.exists()
    entry = AuditEntry.objects.get(action="cannedresponse.delete")
    assert (entry.tenant_id, str(entry.target_id)) == (tenant.pk, str(body["id"]))


def test_agents_read_managers_write(api):
    assert _create(api).status_code == 403


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"text": "Hi {{ contact.email }}"}, "text"),
        ({"text": "{{ settings.SECRET_KEY }}"}, "text"),
        ({"shortcut": "two words"}, "shortcut"),
        ({"language": "de"}, "language"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(manager_api, fields, field):
    response = _create(manager_api, **fields)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not CannedResponse.objects.exists()


def test_a_shortcut_is_unique_per_language(manager_api):
    assert _create(manager_api, language="fr").status_code == 201
    assert _create(manager_api, language="en").status_code == 201
    again = _create(manager_api, language="fr")
    assert again.status_code == 400 and "shortcut" in again.json()["errors"]


def test_another_tenants_canned_response_is_not_found(manager_api, make_api):
    from tests.factories import TenantFactory

    pk = _create(manager_api).json()["id"]
    other = make_api(TenantFactory(), "manager")
    assert other.get(f"{URL}{pk}/").status_code == 404
    assert other.delete(f"{URL}{pk}/").status_code == 404
    assert other.get(URL).json()["count"] == 0


def test_a_reply_with_a_canned_response_fills_in_its_variables(manager_api, api, tenant, channels):
    from crm.services.contacts import contact_create

    contact_create(tenant=tenant, name="Alice Martin", identities=[{"kind": "phone", "address": "+33612345678"}])
    ticket = inbound(api, channels["sms"], "+33612345678", "hi").json()["ticket"]
    text = "Bonjour {{ contact.name }}, ticket {{ticket.id}}, {{ agent.name }}"
    canned = _create(manager_api, text=text).json()["id"]
    reply = api.post(f"/api/v1/tickets/{ticket}/reply/", {"canned": canned}, format="json")
    assert reply.status_code == 202, reply.content
    assert reply.json()["text"] == f"Bonjour Alice Martin, ticket {ticket}, test agent"


@pytest.mark.parametrize("body", [{}, {"text": "hi", "canned": 1}, {"canned": 999999}])
def test_a_reply_needs_text_or_a_known_canned_response(api, tenant, channels, body):
    ticket = inbound(api, channels["sms"], "+33612345678", "hi").json()["ticket"]
    before = Message.objects.count()
    response = api.post(f"/api/v1/tickets/{ticket}/reply/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) & {"text", "canned"}
    assert Message.objects.count() == before


def test_another_tenants_canned_response_cannot_be_sent(manager_api, make_api, tenant, channels):
    from tests.factories import ChannelFactory, TenantFactory

    canned = _create(manager_api, text="secret of the first tenant").json()["id"]
    other_tenant = TenantFactory()
    other = make_api(other_tenant, "agent")
    channel = ChannelFactory(tenant=other_tenant, kind="sms")
    ticket = inbound(other, channel, "+33612345678", "hi").json()["ticket"]
    response = other.post(f"/api/v1/tickets/{ticket}/reply/", {"canned": canned}, format="json")
    assert response.status_code == 400 and "canned" in response.json()["errors"]
