"""WhatsApp templates: synced from Meta and Twilio (recorded payloads served on loopback), listed
per channel, sent with their parameters; a plain text outside the 24-hour window is refused."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from channels_app.adapters import twilio_sms
from channels_app.models import MessageTemplate
from crm.models import Membership, Message
from crm.services.messages import InboundMessage, message_ingest
from tests.factories import ChannelFactory

from .provider_server import ProviderServer

pytestmark = pytest.mark.django_db
WABA = "102290129340398"
META_ROUTES = {
    ("GET", f"/{WABA}/message_templates?limit=100"): "meta/message_templates_page1.json",
    ("GET", f"/{WABA}/message_templates?limit=100&after=QVFIUkZA"): "meta/message_templates_page2.json",
    ("POST", "/1065/messages"): {"messaging_product": "whatsapp", "messages": [{"id": "wamid.TEMPLATE"}]},
}
TWILIO_ROUTES = {
    ("GET", "/v1/Content?PageSize=100"): "twilio/content_page1.json",
    ("GET", "/v1/Content?PageSize=1&Page=1&PageToken=PTHXaaaa"): "twilio/content_page2.json",
    ("GET", "/v1/Content/HXaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/ApprovalRequests"): "twilio/approval_approved.json",
    ("GET", "/v1/Content/HXbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/ApprovalRequests"): "twilio/approval_rejected.json",
}


@pytest.fixture
def meta_server(settings):
    with ProviderServer(META_ROUTES) as server:
        settings.META_GRAPH_BASE_URL = server.url
        yield server


@pytest.fixture
def meta(tenant):
    return ChannelFactory(
        tenant=tenant,
        kind="whatsapp",
        provider="meta",
        credentials={"app_secret": "x", "access_token": "EAAG", "phone_number_id": "1065", "waba_id": WABA},
    )


def inbound(tenant, channel, external_id: str, hours_ago: float = 0):
    message = message_ingest(
        tenant=tenant,
        inbound=InboundMessage(
            channel=channel,
            from_address="+33612345678",
            text="hello",
            external_id=external_id,
            occurred_at=timezone.now() - timedelta(hours=hours_ago),
        ),
    ).message
    return message.ticket


@pytest.fixture
def ticket(tenant, meta):
    return inbound(tenant, meta, "wamid.in", hours_ago=30)  # the window closed 6 hours ago


def test_meta_templates_are_synced_with_paging_and_listed(manager_api, api, meta, meta_server):
    resp = manager_api.post(f"/api/v1/channels/{meta.pk}/templates/sync/")
    assert resp.status_code == 200, resp.content
    listed = api.get(f"/api/v1/channels/{meta.pk}/templates/").json()["results"]
    assert [(t["name"], t["language"], t["category"], t["status"], t["parameters"]) for t in listed] == [
        ("delivery_today", "fr", "utility", "approved", ["1"]),
        ("order_update", "en_US", "utility", "approved", ["1", "2"]),
        ("spring_sale", "en_US", "marketing", "pending", ["1"]),
    ]
    auth = {r["headers"]["Authorization"] for r in meta_server.requests}
    assert auth == {"Bearer EAAG"} and len(meta_server.requests) == 2
    assert api.post(f"/api/v1/channels/{meta.pk}/templates/sync/").status_code == 403  # agents list only


def test_a_template_the_provider_no_longer_lists_is_removed(manager_api, meta, meta_server, tenant):
    MessageTemplate.objects.create(
        tenant=tenant, channel=meta, name="old_one", language="fr", status="approved", synced_at=timezone.now()
    )
    manager_api.post(f"/api/v1/channels/{meta.pk}/templates/sync/")
    assert not MessageTemplate.objects.filter(name="old_one").exists()


def test_twilio_content_and_its_approvals_are_synced(tenant, manager_api, settings):
    channel = ChannelFactory(
        tenant=tenant, kind="whatsapp", provider="twilio", credentials={"account_sid": "AC1", "auth_token": "t"}
    )
    with ProviderServer(TWILIO_ROUTES) as server:
        settings.TWILIO_CONTENT_BASE_URL = server.url
        resp = manager_api.post(f"/api/v1/channels/{channel.pk}/templates/sync/")
    assert resp.status_code == 200, resp.content
    assert [(t["name"], t["language"], t["status"], t["category"]) for t in resp.json()] == [
        ("delivery_today", "fr", "approved", "utility"),
        ("spring_sale", "en", "rejected", "marketing"),
    ]
    assert all(r["headers"]["Authorization"].startswith("Basic ") for r in server.requests)
    assert MessageTemplate.objects.get(name="delivery_today").provider_id == "HXaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"


def test_a_provider_error_is_a_502_and_keeps_the_templates(manager_api, meta, settings, tenant):
    MessageTemplate.objects.create(
        tenant=tenant, channel=meta, name="kept", language="fr", status="approved", synced_at=timezone.now()
    )
    with ProviderServer({}) as server:  # every path a 404
        settings.META_GRAPH_BASE_URL = server.url
        resp = manager_api.post(f"/api/v1/channels/{meta.pk}/templates/sync/")
    assert resp.status_code == 502 and MessageTemplate.objects.filter(name="kept").exists()


def test_channels_without_templates_and_other_tenants(manager_api, tenant, make_api):
    console = ChannelFactory(tenant=tenant, kind="whatsapp")
    assert manager_api.post(f"/api/v1/channels/{console.pk}/templates/sync/").status_code == 400
    from tests.factories import TenantFactory

    other = make_api(TenantFactory(), "manager")
    assert other.get(f"/api/v1/channels/{console.pk}/templates/").status_code == 404


def test_outside_the_window_a_plain_reply_is_refused_with_the_hint(api, ticket, meta):
    resp = api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "any news?"}, format="json")
    assert resp.status_code == 400
    body = resp.json()
    assert "24-hour" in body["detail"] and "template" in body["detail"] and "text" in body["errors"]
    assert not Message.objects.filter(direction="outbound").exists()


def test_a_template_reply_is_sent_with_its_parameters(
    api, manager_api, ticket, meta, meta_server, django_capture_on_commit_callbacks
):
    manager_api.post(f"/api/v1/channels/{meta.pk}/templates/sync/")
    with django_capture_on_commit_callbacks(execute=True):
        resp = api.post(
            f"/api/v1/tickets/{ticket.pk}/reply/",
            {"template": "order_update", "language": "en_US", "params": ["Alice", "4411"]},
            format="json",
        )
    assert resp.status_code == 202, resp.content
    message = Message.objects.get(pk=resp.json()["id"])
    assert message.text == "Hello Alice, your order 4411 has shipped."
    assert (message.status, message.external_id) == ("sent", "wamid.TEMPLATE")
    (body,) = meta_server.posted()
    assert body == {
        "messaging_product": "whatsapp",
        "to": "33612345678",
        "type": "template",
        "template": {
            "name": "order_update",
            "language": {"code": "en_US"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "Alice"}, {"type": "text", "text": "4411"}]}
            ],
        },
    }


@pytest.mark.parametrize(
    "body,field",
    [
        ({"template": "order_update", "language": "en_US", "params": ["only one"]}, "params"),
        ({"template": "spring_sale", "language": "en_US", "params": ["x"]}, "template"),  # pending
        ({"template": "nope", "language": "fr"}, "template"),
        ({"template": "order_update"}, "language"),
    ],
)
def test_a_bad_template_reply_is_a_400_and_writes_nothing(api, manager_api, ticket, meta, meta_server, body, field):
    manager_api.post(f"/api/v1/channels/{meta.pk}/templates/sync/")
    resp = api.post(f"/api/v1/tickets/{ticket.pk}/reply/", body, format="json")
    assert resp.status_code == 400 and field in resp.json()["errors"], resp.content
    assert not Message.objects.filter(direction="outbound").exists()


def test_twilio_sends_the_content_sid_and_variables(tenant, api, monkeypatch, django_capture_on_commit_callbacks):
    calls = []

    class FakeTwilio:
        def __init__(self, sid, token):
            self.messages = self

        def create(self, **kwargs):
            calls.append(kwargs)
            return type("Sent", (), {"sid": "MMtemplate"})()

    monkeypatch.setattr(twilio_sms, "Client", FakeTwilio)
    channel = ChannelFactory(
        tenant=tenant,
        kind="whatsapp",
        provider="twilio",
        address="+33757000001",
        credentials={"account_sid": "AC1", "auth_token": "t"},
    )
    MessageTemplate.objects.create(
        tenant=tenant,
        channel=channel,
        name="delivery_today",
        language="fr",
        status="approved",
        body="Suivez-la ici : {{1}}",
        parameters=["1"],
        provider_id="HXaaaa",
        synced_at=timezone.now(),
    )
    ticket = inbound(tenant, channel, "SMin")
    with django_capture_on_commit_callbacks(execute=True):
        resp = api.post(
            f"/api/v1/tickets/{ticket.pk}/reply/",
            {"template": "delivery_today", "language": "fr", "params": ["https://t.example/9"]},
            format="json",
        )
    assert resp.status_code == 202
    (call,) = calls
    assert call["content_sid"] == "HXaaaa" and json.loads(call["content_variables"]) == {"1": "https://t.example/9"}
    assert "body" not in call


def test_inside_the_window_a_plain_reply_goes(api, ticket, meta):
    Message.objects.filter(ticket=ticket).update(occurred_at=timezone.now() - timedelta(hours=2))
    assert api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "hello"}, format="json").status_code == 202


# The ticket page's reply form: the approved templates offered when the window is closed.


@pytest.fixture
def staff_client(client, tenant):
    user = get_user_model().objects.create_user("agathe", password="pw-12345678", is_staff=True)
    Membership.objects.create(tenant=tenant, user=user, role="agent")
    client.force_login(user)
    return client


def approved(tenant, channel, name="delivery_today"):
    return MessageTemplate.objects.create(
        tenant=tenant,
        channel=channel,
        name=name,
        language="fr",
        status="approved",
        body="Suivez-la ici : {{1}}",
        parameters=["1"],
        synced_at=timezone.now(),
    )


def test_closed_window_offers_the_templates_and_sends_one(
    tenant, meta, meta_server, staff_client, django_capture_on_commit_callbacks
):
    approved(tenant, meta)
    ticket = inbound(tenant, meta, "wamid.old", hours_ago=30)
    page = staff_client.get(reverse("dashboard:ticket", args=[ticket.pk])).content.decode()
    assert "delivery_today" in page and 'name="params"' in page
    refused = staff_client.post(reverse("dashboard:ticket", args=[ticket.pk]), {"text": "any news?"})
    assert refused.status_code == 400 and "24-hour" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = staff_client.post(
            reverse("dashboard:ticket", args=[ticket.pk]),
            {"template": f"{meta.pk}:fr:delivery_today", "params": "https://t.example/7"},
        )
    assert sent.status_code == 302
    message = Message.objects.get(direction="outbound")
    assert message.text == "Suivez-la ici : https://t.example/7" and message.status == "sent"


def test_open_window_offers_no_template(tenant, meta, staff_client):
    approved(tenant, meta)
    ticket = inbound(tenant, meta, "wamid.new", hours_ago=1)
    page = staff_client.get(reverse("dashboard:ticket", args=[ticket.pk])).content.decode()
    assert "delivery_today" not in page
