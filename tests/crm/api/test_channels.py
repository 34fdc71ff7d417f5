"""Channels through the API: the provider and its credentials are checked against the
provider registry (a missing required key is a 400 naming it, and nothing is written)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from crm.models import Channel

URL = "/api/v1/channels/"


def test_a_missing_required_credential_is_a_400_naming_it(admin_api):
    body = {"kind": "webchat", "name": "Chat", "provider": "webhook", "credentials": {"outbound_url": "https://x"}}
    response = admin_api.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"credentials": ["'secret' is required by webhook"]}
    assert response.json()["detail"] and not Channel.objects.exists()


@pytest.mark.parametrize(
    ("kind", "provider", "credentials"),
    [
        ("webchat", "webhook", {"secret": "s", "outbound_url": "https://receiver.example/in"}),
        ("sms", "twilio", {"account_sid": "AC1", "auth_token": "t"}),
        ("whatsapp", "meta", {"app_secret": "a", "verify_token": "v", "access_token": "t", "phone_number_id": "1"}),
        ("email", "postmark", {"webhook_secret": "anymail:p", "server_token": "pm"}),
        ("email", "mailjet", {}),  # send-only and receive keys of an ESP are all optional
        ("email", "smtp", {}),
        ("sms", "console", {}),
    ],
)
def test_the_contract_credentials_are_enough(admin_api, kind, provider, credentials):
    body = {"kind": kind, "name": "c", "provider": provider, "credentials": credentials}
    response = admin_api.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["credentials_set"] == sorted(credentials)


def test_an_update_that_drops_a_required_credential_is_refused(admin_api, tenant):
    channel = Channel.objects.create(tenant=tenant, kind="sms", name="s", provider="twilio", credentials={})
    assert admin_api.patch(f"{URL}{channel.pk}/", {"name": "renamed"}, format="json").status_code == 200
    response = admin_api.patch(f"{URL}{channel.pk}/", {"credentials": {"account_sid": "AC1"}}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"credentials": ["'auth_token' is required by twilio"]}
    channel.refresh_from_db()
    assert channel.credentials == {} and channel.name == "renamed"


def test_changing_provider_checks_the_stored_credentials(admin_api, tenant):
    channel = Channel.objects.create(tenant=tenant, kind="webchat", name="w", provider="console")
    response = admin_api.patch(f"{URL}{channel.pk}/", {"provider": "webhook"}, format="json")
    assert response.status_code == 400 and "credentials" in response.json()["errors"]
    assert Channel.objects.get(pk=channel.pk).provider == "console"


def test_an_unknown_provider_is_a_400_listing_the_registered_ones(admin_api):
    response = admin_api.post(URL, {"kind": "email", "name": "e", "provider": "carrier-pigeon"}, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]["provider"]
    assert "carrier-pigeon" in error and "console" in error and "mailjet" in error
    assert not Channel.objects.exists()


def test_a_provider_that_cannot_serve_the_kind_is_refused(admin_api):
    body = {"kind": "email", "name": "e", "provider": "twilio", "credentials": {"auth_token": "t"}}
    response = admin_api.post(URL, body, format="json")
    assert response.status_code == 400 and response.json()["errors"] == {"provider": ["not available for email"]}


def test_the_schema_lists_the_registered_providers(db):
    out = StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)
    enum = json.loads(out.getvalue())["components"]["schemas"]["ProviderEnum"]["enum"]
    assert {"console", "smtp", "twilio", "meta", "webhook", "sendgrid", "brevo", "mailjet"} <= set(enum)
