"""A hostile client: NUL bytes, lone surrogates, deep nesting and oversized integers are a 400
naming the field and write nothing, on every backend (PostgreSQL refuses NUL in text and jsonb)."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from channels_app.models import WebhookPayload
from crm.models import Channel, Contact, Event, Identity, Message, Tenant, Ticket
from journeys.models import Journey

NUL, SURROGATE = "\\u0000", "\\ud800"  # as a client writes them in JSON text


def counts():
    models = (Contact, Identity, Message, Ticket, Event, Journey, Channel, WebhookPayload)
    return {m.__name__: m.objects.count() for m in models}


def send(client, method, url, text: str):
    return client.generic(method, url, text.encode(), content_type="application/json")


def bodies(channels, contact_pk):
    """(method, url, JSON text with ``BAD`` where the bad string goes, field named)."""
    sms = channels["sms"].pk
    email = channels["email"].pk
    return [
        ("POST", "/api/v1/contacts/", '{"name": "a", "attributes": {"note": "xBADx"}}', "attributes"),
        ("POST", "/api/v1/contacts/", '{"name": "aBAD"}', "name"),
        ("POST", "/api/v1/contacts/", '{"attributes": {"kBAD": 1}}', "attributes"),
        ("PATCH", f"/api/v1/contacts/{contact_pk}/", '{"attributes": {"a": ["BAD"]}}', "attributes"),
        (
            "POST",
            "/api/v1/events/",
            '{"contact": ID, "name": "x", "properties": {"p": "BAD"}}'.replace("ID", str(contact_pk)),
            "properties",
        ),
        ("POST", "/api/v1/events/", '{"contact": ID, "name": "xBAD"}'.replace("ID", str(contact_pk)), "name"),
        (
            "POST",
            "/api/v1/messages/inbound/",
            '{"channel": ID, "from": "+33612345678", "text": "hiBAD"}'.replace("ID", str(sms)),
            "text",
        ),
        (
            "POST",
            "/api/v1/messages/inbound/",
            '{"channel": ID, "from": "a@example.com", "text": "hi", "subject": "BAD"}'.replace("ID", str(email)),
            "subject",
        ),
        (
            "POST",
            "/api/v1/journeys/",
            '{"name": "j", "trigger_event": "t", "steps": [{"type": "send", "channel": ID, '
            '"purpose": "marketing", "template": "BAD"}]}'.replace("ID", str(sms)),
            "steps",
        ),
        ("POST", "/api/v1/journeys/", '{"name": "jBAD", "trigger_event": "t", "steps": []}', "name"),
        (
            "POST",
            "/api/v1/channels/",
            '{"kind": "sms", "name": "n", "provider": "twilio", "credentials": {"auth_token": "BAD"}}',
            "credentials",
        ),
        ("PATCH", "/api/v1/tenant/", '{"name": "BAD"}', "name"),
    ]


@pytest.fixture
def contact(tenant):
    return Contact.objects.create(tenant=tenant, name="C")


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_unstorable_strings_are_400_naming_the_field_and_write_nothing(tenant, make_api, channels, contact, bad):
    client = make_api(tenant, "admin")
    for method, url, template, field in bodies(channels, contact.pk):
        before = counts()
        response = send(client, method, url, template.replace("BAD", bad))
        assert response.status_code == 400, (url, template, response.content)
        assert field in response.json()["errors"], (url, response.json())
        assert counts() == before, url
    contact.refresh_from_db()
    assert contact.attributes == {} and Tenant.objects.get().name == tenant.name


def test_a_nul_in_a_query_parameter_is_400_naming_it(tenant, api):
    response = api.get("/api/v1/contacts/?search=a%00")
    assert response.status_code == 400, response.content
    assert "search" in response.json()["errors"]


@pytest.mark.parametrize(
    "url", ["/api/v1/contacts/", "/api/v1/events/", "/api/v1/messages/inbound/", "/api/v1/journeys/"]
)
def test_deeply_nested_json_is_a_clear_400(tenant, make_api, url):
    client = make_api(tenant, "admin")
    before = counts()
    for text in ("[" * 200_000, '{"attributes": ' + "[" * 5000 + "]" * 5000 + "}"):
        response = send(client, "POST", url, text)
        assert response.status_code == 400, response.content[:200]
        assert "nested" in response.json()["detail"]
    assert counts() == before


def test_ordinary_nesting_and_strings_with_escapes_still_parse(tenant, api):
    attributes = {"a": [[[{"b": 'quote " and [ bracket'}]]], "c": "\\u00e9 \\\\", "d": "é"}
    response = send(api, "POST", "/api/v1/contacts/", json.dumps({"name": "n", "attributes": attributes}))
    assert response.status_code == 201, response.content
    assert response.json()["attributes"] == attributes


@pytest.mark.parametrize(
    "method, url, body, field",
    [
        ("PATCH", "/api/v1/tenant/", {"frequency_cap": {"max_sends": 2**31, "days": 7}}, "frequency_cap"),
        ("PATCH", "/api/v1/tenant/", {"frequency_cap": {"max_sends": 10**30, "days": 7}}, "frequency_cap"),
        ("POST", "/api/v1/events/", {"contact": 1, "name": "x", "channel": 2**63}, "channel"),
        ("POST", "/api/v1/offers/", {"contact": 2**64, "issued_channel": 1}, "contact"),
        ("POST", "/api/v1/offers/redeem/", {"code": "ABCD", "channel": 2**70}, "channel"),
        ("POST", "/api/v1/contacts/{contact}/merge/", {"other": 2**63}, "other"),
        ("PATCH", "/api/v1/tickets/{ticket}/", {"assignee": 2**63}, "assignee"),
        ("POST", "/api/v1/tickets/{ticket}/reply/", {"text": "x", "channel": 2**63}, "channel"),
    ],
)
def test_integers_beyond_their_column_are_400_naming_the_field(
    tenant, make_api, channels, contact, method, url, body, field
):
    now = timezone.now()
    ticket = Ticket.objects.create(
        tenant=tenant, contact=contact, channel=channels["sms"], created_at=now, last_message_at=now
    )
    before = counts()
    response = make_api(tenant, "admin").generic(
        method, url.format(contact=contact.pk, ticket=ticket.pk), json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert counts() == before
    assert Tenant.objects.get().frequency_cap_max_sends is None


def test_integer_query_parameters_beyond_a_bigint_are_400(tenant, api):
    response = api.get(f"/api/v1/tickets/?contact={2**63}")
    assert response.status_code == 400 and "contact" in response.json()["errors"]


@pytest.mark.parametrize("url", ["/api/v1/contacts/{n}/", "/api/v1/tickets/{n}/", "/api/v1/journeys/{n}/"])
def test_ids_in_the_path_beyond_a_bigint_are_404(tenant, api, url):
    assert api.get(url.format(n=10**25)).status_code == 404
