"""Authentication, tenant scoping and roles, on every endpoint."""

import pytest

from crm.models import ApiKey, ModeChange, Tenant
from crm.services.contacts import contact_create
from tests.crm.helpers import inbound
from tests.factories import ChannelFactory, TenantFactory


@pytest.fixture
def foreign(db):
    """Another tenant's objects: every one of them must be a 404 for our keys."""
    other = TenantFactory(mode="omnichannel")
    channel = ChannelFactory(tenant=other, kind="sms")
    contact = contact_create(tenant=other, name="Other", identities=[{"kind": "phone", "address": "+33611000001"}])
    from crm.services.messages import InboundMessage, message_ingest

    msg = message_ingest(
        tenant=other, inbound=InboundMessage(channel=channel, from_address="+33611000001", text="hi")
    ).message
    return {"channel": channel, "contact": contact, "message": msg, "ticket": msg.ticket}


def foreign_urls(f):
    c, t = f["contact"].pk, f["ticket"].pk
    return [
        ("get", f"/api/v1/channels/{f['channel'].pk}/", None),
        ("patch", f"/api/v1/channels/{f['channel'].pk}/", {"name": "x"}),
        ("delete", f"/api/v1/channels/{f['channel'].pk}/", None),
        ("get", f"/api/v1/contacts/{c}/", None),
        ("patch", f"/api/v1/contacts/{c}/", {"name": "x"}),
        ("delete", f"/api/v1/contacts/{c}/", None),
        ("post", f"/api/v1/contacts/{c}/erase/", {}),
        ("get", f"/api/v1/contacts/{c}/timeline/", None),
        ("get", f"/api/v1/messages/{f['message'].pk}/", None),
        ("get", f"/api/v1/tickets/{t}/", None),
        ("patch", f"/api/v1/tickets/{t}/", {"status": "closed"}),
        ("get", f"/api/v1/tickets/{t}/messages/", None),
        ("get", f"/api/v1/tickets/{t}/context/", None),
        ("post", f"/api/v1/tickets/{t}/reply/", {"text": "hello"}),
    ]


def test_every_foreign_object_is_404_and_unchanged(tenant, admin_api, foreign):
    for method, url, body in foreign_urls(foreign):
        resp = getattr(admin_api, method)(url, body, format="json")
        assert resp.status_code == 404, (method, url, resp.status_code)
    foreign["contact"].refresh_from_db()
    assert foreign["contact"].name == "Other" and foreign["contact"].erased_at is None
    foreign["ticket"].refresh_from_db()
    assert foreign["ticket"].status == "open"


def test_foreign_ids_in_bodies_are_refused(tenant, admin_api, foreign, channels):
    own = contact_create(tenant=tenant, name="Own")
    resp = admin_api.post(f"/api/v1/contacts/{own.pk}/merge/", {"other": foreign["contact"].pk}, format="json")
    assert resp.status_code == 404
    resp = inbound(admin_api, foreign["channel"], "+33612345678", "hi")
    assert resp.status_code == 400 and "channel" in resp.json()["errors"]


def test_lists_show_only_own_tenant(tenant, api, foreign, channels):
    inbound(api, channels["sms"], "+33611000001", "same number, our tenant")
    for url, key in (
        ("/api/v1/channels/", "channel"),
        ("/api/v1/contacts/", "contact"),
        ("/api/v1/tickets/", "ticket"),
    ):
        ids = [row["id"] for row in api.get(url).json()["results"]]
        assert ids, url
        assert foreign[key].pk not in ids, url


@pytest.mark.parametrize("url", ["/api/v1/tenant/", "/api/v1/contacts/", "/api/v1/tickets/", "/api/v1/channels/"])
def test_no_key_or_bad_key_is_401(db, client, url):
    assert client.get(url).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_revoked_key_is_401(tenant, api):
    from django.utils import timezone

    ApiKey.objects.filter(tenant=tenant).update(revoked_at=timezone.now())
    assert api.get("/api/v1/tenant/").status_code == 401


def test_agent_cannot_change_mode_manager_can_and_it_is_recorded(tenant, api, manager_api):
    assert api.patch("/api/v1/tenant/", {"mode": "multichannel"}, format="json").status_code == 403
    assert Tenant.objects.get(pk=tenant.pk).mode == "omnichannel"
    resp = manager_api.patch("/api/v1/tenant/", {"mode": "multichannel"}, format="json")
    assert resp.status_code == 200 and resp.json()["mode"] == "multichannel"
    history = api.get("/api/v1/tenant/mode-history/").json()["results"]
    assert [h["mode"] for h in history] == ["multichannel"]
    assert history[0]["changed_by"].startswith("api-key:")
    assert ModeChange.objects.filter(tenant=tenant).count() == 1


def test_experiment_change_is_recorded_and_shown(tenant, manager_api):
    resp = manager_api.patch("/api/v1/tenant/", {"experiment": {"holdout_percent": 20}}, format="json")
    assert resp.status_code == 200
    assert resp.json()["experiment"]["holdout_percent"] == 20
    assert resp.json()["experiment"]["started_at"]
    history = manager_api.get("/api/v1/tenant/mode-history/").json()["results"]
    assert history[-1]["experiment"]["holdout_percent"] == 20


def test_agent_cannot_create_channels(tenant, api, admin_api):
    body = {"kind": "sms", "name": "SMS", "provider": "console"}
    assert api.post("/api/v1/channels/", body, format="json").status_code == 403
    resp = admin_api.post("/api/v1/channels/", {**body, "credentials": {"secret": "s3cr3t"}}, format="json")
    assert resp.status_code == 201
    data = resp.json()
    assert "credentials" not in data and data["credentials_set"] == ["secret"]
    assert data["webhook_url"].startswith("http") and "/webhooks/" in data["webhook_url"]
    assert "s3cr3t" not in str(admin_api.get(f"/api/v1/channels/{data['id']}/").json())


def test_tenant_settings_round_trip(tenant, manager_api):
    body = {
        "quiet_hours": {"start": "21:00", "end": "08:00"},
        "frequency_cap": {"max_sends": 3, "days": 7},
        "fallback_order": ["whatsapp", "sms"],
        "offer_links": {"email": ["store"]},
        "episode_gap_hours": 48,
    }
    resp = manager_api.patch("/api/v1/tenant/", body, format="json")
    assert resp.status_code == 200, resp.json()
    got = manager_api.get("/api/v1/tenant/").json()
    for key, value in body.items():
        assert got[key] == value
    bad = manager_api.patch("/api/v1/tenant/", {"timezone": "Mars/Olympus"}, format="json")
    assert bad.status_code == 400 and "timezone" in bad.json()["errors"]


def test_schema_and_docs_are_served(db, client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
