"""Every audited action through the API writes one entry naming the key, its role and the
client's address; managers read the log of their own tenant, agents cannot."""

from __future__ import annotations

import pytest

from crm.models import AuditEntry
from crm.services.contacts import contact_create
from crm.services.messages import InboundMessage, message_ingest
from crm.services.tenants import api_key_create
from journeys.models import Journey
from tests.factories import ChannelFactory, TenantFactory

pytestmark = pytest.mark.django_db

CLIENT = "203.0.113.7"


def _contact(tenant, name):
    return contact_create(tenant=tenant, name=name)


AUDITED = {
    "mode switch": (
        lambda t: ("patch", "/api/v1/tenant/", {"mode": "crosschannel"}),
        "tenant.mode_change",
        "crm.tenant",
    ),
    "experiment start": (
        lambda t: ("patch", "/api/v1/tenant/", {"experiment": {"holdout_percent": 20}}),
        "tenant.mode_change",
        "crm.tenant",
    ),
    "merge": (
        lambda t: ("post", f"/api/v1/contacts/{_contact(t, 'a').pk}/merge/", {"other": _contact(t, "b").pk}),
        "contact.merge",
        "crm.contact",
    ),
    "erase": (lambda t: ("post", f"/api/v1/contacts/{_contact(t, 'a').pk}/erase/", {}), "contact.erase", "crm.contact"),
    "contact deletion": (
        lambda t: ("delete", f"/api/v1/contacts/{_contact(t, 'a').pk}/", None),
        "contact.delete",
        "crm.contact",
    ),
    "channel with credentials": (
        lambda t: (
            "post",
            "/api/v1/channels/",
            {"kind": "sms", "name": "SMS", "provider": "twilio", "credentials": {"auth_token": "tok-SECRET"}},
        ),
        "channel.create",
        "crm.channel",
    ),
    "credentials change": (
        lambda t: (
            "patch",
            f"/api/v1/channels/{ChannelFactory(tenant=t, credentials={'secret': 'old-SECRET'}).pk}/",
            {"credentials": {"secret": "new-SECRET"}},
        ),
        "channel.credentials_change",
        "crm.channel",
    ),
    "channel deletion": (
        lambda t: ("delete", f"/api/v1/channels/{ChannelFactory(tenant=t).pk}/", None),
        "channel.delete",
        "crm.channel",
    ),
    "journey deletion": (
        lambda t: (
            "delete",
            f"/api/v1/journeys/{Journey.objects.create(tenant=t, name='j', trigger_event='x', steps=[]).pk}/",
            None,
        ),
        "journey.delete",
        "journeys.journey",
    ),
}


@pytest.mark.parametrize("case", list(AUDITED), ids=list(AUDITED))
def test_each_audited_api_action_writes_one_entry(tenant, admin_api, case):
    build, action, target_type = AUDITED[case]
    method, url, body = build(tenant)
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    response = getattr(admin_api, method)(url, body, format="json", REMOTE_ADDR=CLIENT)
    assert response.status_code < 300, response.content
    entries = list(AuditEntry.objects.exclude(pk__in=before))
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.tenant_id, entry.action, entry.target_type) == (tenant.pk, action, target_type)
    assert entry.target_id is not None
    assert entry.actor.startswith("api-key:ock_") and entry.actor.endswith("(test admin)")
    assert entry.actor_role == "admin" and entry.address == CLIENT
    assert "SECRET" not in entry.summary


def test_credential_changes_name_keys_never_values(tenant, admin_api):
    channel = ChannelFactory(tenant=tenant, credentials={"secret": "old-value", "outbound_url": "https://a"})
    admin_api.patch(
        f"/api/v1/channels/{channel.pk}/",
        {"credentials": {"secret": "new-value", "api_key": "k-value"}},
        format="json",
    )
    entry = AuditEntry.objects.get(action="channel.credentials_change")
    assert (
        entry.summary == "credential keys now: api_key, secret; added: api_key; removed: outbound_url; changed: secret"
    )
    admin_api.patch(f"/api/v1/channels/{channel.pk}/", {"name": "renamed"}, format="json")
    assert AuditEntry.objects.filter(action="channel.credentials_change").count() == 1  # unchanged: no entry


def test_a_refused_action_writes_nothing(tenant, api, manager_api, admin_api):
    contact = _contact(tenant, "a")
    assert api.post(f"/api/v1/contacts/{contact.pk}/erase/", {}, format="json").status_code == 403
    assert manager_api.patch("/api/v1/tenant/", {"mode": "nonsense"}, format="json").status_code == 400
    channel = ChannelFactory(tenant=tenant, kind="email")
    message_ingest(tenant=tenant, inbound=InboundMessage(channel=channel, from_address="a@example.com", text="hi"))
    assert admin_api.delete(f"/api/v1/channels/{channel.pk}/").status_code == 409  # it has messages
    refused = ["contact.erase", "tenant.mode_change", "channel.delete"]
    assert not AuditEntry.objects.filter(action__in=refused).exists()


def test_the_forwarded_address_counts_only_behind_a_trusted_proxy(tenant, manager_api, settings):
    headers = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.9, 10.0.0.1"}
    manager_api.patch("/api/v1/tenant/", {"mode": "crosschannel"}, format="json", **headers)
    settings.TRUST_X_FORWARDED_FOR = True
    manager_api.patch("/api/v1/tenant/", {"mode": "multichannel"}, format="json", **headers)
    forged = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "not-an-ip"}
    manager_api.patch("/api/v1/tenant/", {"mode": "omnichannel"}, format="json", **forged)
    switches = AuditEntry.objects.filter(action="tenant.mode_change").order_by("pk")
    addresses = list(switches.values_list("address", flat=True))
    assert addresses == ["10.0.0.2", "198.51.100.9", "10.0.0.2"]


def test_agents_cannot_read_the_log(tenant, api):
    response = api.get("/api/v1/audit-log/")
    assert response.status_code == 403


def test_managers_read_their_own_tenants_log_paginated(tenant, manager_api, make_api):
    other = TenantFactory()
    make_api(other, "admin").patch("/api/v1/tenant/", {"mode": "crosschannel"}, format="json")
    foreign = set(AuditEntry.objects.filter(tenant=other).values_list("pk", flat=True))
    assert len(foreign) == 2  # the other tenant's key, and its mode switch
    for mode in ("crosschannel", "multichannel", "omnichannel"):
        manager_api.patch("/api/v1/tenant/", {"mode": mode}, format="json", REMOTE_ADDR=CLIENT)
    response = manager_api.get("/api/v1/audit-log/", {"page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"next", "previous", "results"} and body["next"]
    first = body["results"][0]
    assert first["action"] == "tenant.mode_change" and first["summary"] == "mode multichannel → omnichannel"
    assert first["actor_role"] == "manager" and first["address"] == CLIENT
    assert first["target_type"] == "crm.tenant" and first["target_id"] == tenant.pk
    everything = manager_api.get("/api/v1/audit-log/", {"page_size": 100}).json()["results"]
    assert not foreign & {e["id"] for e in everything}
    assert [e["action"] for e in everything] == ["tenant.mode_change"] * 3 + ["api_key.create"]


def test_revoked_and_created_keys_are_audited_by_the_service(tenant):
    key, _raw = api_key_create(tenant=tenant, role="manager", label="ops", by="manage.py create_api_key")
    entry = AuditEntry.objects.get(action="api_key.create")
    assert (entry.actor, entry.actor_role, entry.address) == ("manage.py create_api_key", "", None)
    assert entry.summary == f"key {key.prefix}…, role manager, label 'ops'"


def test_the_audit_log_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/audit-log/"]["get"]
    assert "403" in operation["description"]
    page = schema["components"]["schemas"]["PaginatedAuditEntryList"]
    assert set(page["properties"]) == {"count", "next", "previous", "results"}
    assert "address" in schema["components"]["schemas"]["AuditEntry"]["properties"]
